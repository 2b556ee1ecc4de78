package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/serving"
	"github.com/ssetape/ssetape/replayer/control"
)

// tokenEnv is the environment variable that gives the control token, so
// that it need not appear in a process list.
const tokenEnv = "SSETAPE_CONTROL_TOKEN"

// controlFlags are the control API's flags, the same for replay and proxy.
type controlFlags struct {
	Listen  string
	Token   string
	CORS    string
	Journal int
}

func (f *controlFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.Listen, "control-listen", "", "also serve the control API (/__ssetape/) on this address, alone")
	fs.StringVar(&f.Token, "control-token", "", "require Authorization: Bearer TOKEN of every control request, and allow the API on a listener that is not loopback (or set "+tokenEnv+")")
	fs.StringVar(&f.CORS, "control-cors", "", "allow control requests from this web origin (without it a request with an Origin header gets 403)")
	fs.IntVar(&f.Journal, "journal", control.DefaultJournal, "keep the last N requests in the journal (GET /__ssetape/requests); 0 keeps none")
}

// control makes the control API: the token from the flag or the
// environment, never printed.
func (f *controlFlags) control(log *slog.Logger, red cassette.Redaction) (*control.Control, error) {
	if f.Journal < 0 {
		return nil, usageError("--journal %d: want 0 (keep none) or more", f.Journal)
	}
	token := f.Token
	if token == "" {
		token = os.Getenv(tokenEnv)
	}
	n := f.Journal
	if n == 0 {
		n = -1 // control.Options: negative keeps none
	}
	f.Token = token
	return control.New(control.Options{Token: token, CORS: f.CORS, Journal: n, Redaction: red, Logger: log}), nil
}

// warnIfOff warns, at start, when the control API is off on a listener:
// not loopback and no token.
func (f *controlFlags) warnIfOff(addr string, log *slog.Logger) {
	if f.Token != "" || isLoopback(addr) {
		return
	}
	log.Warn("the control API answers 403 on this address, which is not loopback: give --control-token (or "+tokenEnv+") to turn it on", "listen", addr)
}

func isLoopback(addr string) bool {
	ap, err := netip.ParseAddrPort(addr)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// serveControl serves the control API alone on --control-listen until the
// returned stop is called; without the flag, stop does nothing.
func (f *controlFlags) serveControl(ctl *control.Control, log *slog.Logger) (stop func(), addr string, err error) {
	if f.Listen == "" {
		return func() {}, "", nil
	}
	ln, err := serving.Listen(f.Listen, log)
	if err != nil {
		return nil, "", runtimeError(fmt.Errorf("--control-listen: %w", err))
	}
	f.warnIfOff(ln.Addr().String(), log)
	hs := serving.NewServer(ctl.Handler(nil), log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln)
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}, ln.Addr().String(), nil
}
