package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// checkTarget checks one TARGET: a URL, -, a directory, a cassette or a raw
// stream.
func (o *assertOptions) checkTarget(name string, c *assert.Contract) ([]outcome, error) {
	switch {
	case strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://"):
		r, err := o.checkLive(name, c)
		if err != nil {
			return nil, err
		}
		return []outcome{{report: r}}, nil
	case name == "-":
		return checkReader("<stdin>", "", o.In, c)
	}
	fi, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageError("%s: no such file or directory", name)
	case err != nil:
		return nil, inputError(err)
	case fi.IsDir():
		return checkDir(name, c)
	}
	return checkFile(name, c)
}

// checkDir checks every .yaml, .yml and .sse file under a directory.
func checkDir(dir string, c *assert.Contract) ([]outcome, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".sse":
			if !d.IsDir() {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, inputError(err)
	}
	if len(files) == 0 {
		return nil, usageError("%s: no .yaml, .yml or .sse files in this directory", dir)
	}
	sort.Strings(files)
	var outs []outcome
	for _, f := range files {
		got, err := checkFile(f, c)
		if err != nil {
			return nil, err
		}
		outs = append(outs, got...)
	}
	return outs, nil
}

// checkFile checks a cassette or a raw stream file.
func checkFile(name string, c *assert.Contract) ([]outcome, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, inputError(err)
	}
	defer f.Close()
	return checkReader(name, strings.ToLower(filepath.Ext(name)), f, c)
}

// checkReader checks what r holds: a cassette when its name says so (or,
// without a telling extension, when it starts with version:), else a raw
// stream, decoded as it is read.
func checkReader(name, ext string, r io.Reader, c *assert.Contract) ([]outcome, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	if ext == ".yaml" || ext == ".yml" || (ext != ".sse" && cassette.LooksLikeCassette(head)) {
		data, err := io.ReadAll(io.LimitReader(br, cassette.MaxFileSize+1))
		if err != nil {
			return nil, inputError(fmt.Errorf("%s: %w", name, err))
		}
		if len(data) > cassette.MaxFileSize {
			return nil, usageError("%s: larger than %d MiB", name, cassette.MaxFileSize>>20)
		}
		cas, err := cassette.Parse(data, name)
		if err != nil {
			return nil, inputError(err)
		}
		if err := checkFaults(cas); err != nil {
			return nil, err
		}
		return checkCassette(name, cas, c)
	}
	sc := assert.NewStreamCheck(c, assert.Meta{Name: name})
	d := sse.NewDecoder(br)
	for {
		b, err := d.NextBlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, inputError(fmt.Errorf("%s: byte %d: %w", name, d.Offset(), err))
		}
		sc.Block(b, 0, false)
	}
	return []outcome{{report: sc.End()}}, nil
}

// checkCassette checks each streamed interaction of a cassette and notes
// the others as skipped.
func checkCassette(name string, cas *cassette.Cassette, c *assert.Contract) ([]outcome, error) {
	var outs []outcome
	for i, it := range cas.Interactions {
		target := fmt.Sprintf("%s#%d %s %s", name, i+1, it.Request.Method, it.Request.Path)
		r := &it.Response
		if !r.IsStream() {
			outs = append(outs, outcome{skipped: fmt.Sprintf("%s: not a stream (status %d, %s)", target, r.Status, plural(len(r.Body), "byte"))})
			continue
		}
		chunks, _, err := r.Chunks(false)
		if err != nil {
			return nil, inputError(fmt.Errorf("%s: interaction %d: %w", name, i+1, err))
		}
		sc := assert.NewStreamCheck(c, assert.Meta{Name: target, Status: r.Status, ContentType: r.Headers.Get("Content-Type"),
			Path: it.Request.Path, Header: http.Header(r.Headers)})
		err = cassette.EachBlock(chunks, func(b cassette.TimedBlock) { sc.Block(b.Block, b.At, true) })
		if err != nil {
			return nil, inputError(fmt.Errorf("%s: interaction %d: %w", name, i+1, err))
		}
		outs = append(outs, outcome{report: sc.End()})
	}
	return outs, nil
}

// errorBodyShown is how much of a non-2xx answer's body a live check prints.
const errorBodyShown = 1 << 10

// checkLive sends one request and checks the stream as its events arrive.
func (o *assertOptions) checkLive(target string, c *assert.Contract) (*assert.Report, error) {
	body, err := o.body()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.MaxTime)
	defer cancel()
	req, err := o.build(ctx, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, runtimeError(requestFailed(req, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, runtimeError(fmt.Errorf("%s: status %s; nothing to check%s", describe(req), resp.Status, bodyStart(resp.Body)))
	}
	sc := assert.NewStreamCheck(c, assert.Meta{Name: describe(req), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		Path: req.URL.Path, Header: resp.Header, AutoWindow: assert.LiveAutoWindow})
	d := sse.NewDecoder(resp.Body)
	for {
		b, err := d.NextBlock()
		if err != nil {
			if err != io.EOF && !errors.Is(err, context.DeadlineExceeded) {
				fmt.Fprintf(o.Err, "ssetape: warning: %s: the stream broke off: %v\n", describe(req), err)
			}
			break
		}
		sc.Block(b, time.Since(start), true)
		if o.FailFast && b.Dispatched && brokeError(sc.Found()) {
			break
		}
	}
	return sc.End(), nil
}

func brokeError(vs []assert.Violation) bool {
	for _, v := range vs {
		if v.Severity == assert.Error {
			return true
		}
	}
	return false
}

// bodyStart is the start of an error answer's body, for the message: what
// the server said was wrong (the replay's closest-match diff, FastAPI's
// detail), as curl -f users expect to see it.
func bodyStart(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, errorBodyShown+1))
	if len(b) == 0 {
		return ""
	}
	cut := len(b) > errorBodyShown
	if cut {
		b = b[:errorBodyShown]
	}
	text := strings.TrimRight(strings.ToValidUTF8(string(bytes.TrimRight(b, "\r\n")), "\uFFFD"), "\n")
	for len(text) > 0 && !utf8.ValidString(text) {
		text = text[:len(text)-1]
	}
	if cut {
		text += "…"
	}
	return "; the body says:\n" + text
}

// requestFailed says why a request got no answer, naming the request once
// (net/http's own error names it again).
func requestFailed(req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s: %w", describe(req), err)
}
