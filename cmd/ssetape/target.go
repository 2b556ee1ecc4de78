package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/replayer"
)

// target is what inspect (and later assert) reads: a cassette or a raw SSE
// stream.
type target struct {
	Name     string
	Cassette *cassette.Cassette // nil for a raw stream
	// Raw reads a raw stream, not read yet: it is decoded as it is read,
	// so that a stream of any size is shown in bounded memory. close
	// closes its file.
	Raw   *bufio.Reader
	close func()
}

// Close releases what the target holds open.
func (t *target) Close() {
	if t.close != nil {
		t.close()
	}
}

// loadTarget reads a cassette file, a raw .sse file, "-" (standard input: a
// cassette when it starts with version:, raw SSE otherwise) or "" (the
// built-in sample). Problems with the input are usage errors (exit 2).
func loadTarget(name string, stdin io.Reader) (*target, error) {
	switch {
	case name == "":
		c, err := cassette.Parse(fixtures.Agent, fixtures.AgentName)
		if err != nil {
			return nil, fmt.Errorf("the built-in sample does not load: %w", err)
		}
		return &target{Name: fixtures.AgentName, Cassette: c}, nil
	case strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://"):
		return nil, usageError("%s: inspect reads a cassette, a raw .sse file or - (standard input); to look at a live stream, pipe it in: curl -sN URL | ssetape inspect -", name)
	}
	display, in, closeIn := name, stdin, func() {}
	ext := strings.ToLower(filepath.Ext(name))
	if name == "-" {
		display = "<stdin>"
	} else {
		f, err := openFile(name)
		if err != nil {
			return nil, err
		}
		in, closeIn = f, func() { f.Close() }
	}
	// The first 64 KiB tell a cassette from a raw stream.
	br := bufio.NewReaderSize(in, 64<<10)
	head, _ := br.Peek(64 << 10)
	if ext == ".yaml" || ext == ".yml" || (ext != ".sse" && cassette.LooksLikeCassette(head)) {
		defer closeIn()
		data, err := io.ReadAll(io.LimitReader(br, cassette.MaxFileSize+1))
		if err != nil {
			return nil, inputError(fmt.Errorf("%s: %w", display, err))
		}
		if len(data) > cassette.MaxFileSize {
			return nil, usageError("%s: larger than %d MiB", display, cassette.MaxFileSize>>20)
		}
		c, err := cassette.Parse(data, display)
		if err != nil {
			return nil, inputError(err)
		}
		if err := checkFaults(c); err != nil {
			return nil, err
		}
		return &target{Name: display, Cassette: c}, nil
	}
	return &target{Name: display, Raw: br, close: closeIn}, nil
}

// checkFaults checks a cassette's faults: as replay does, so that inspect
// and assert refuse what replay would.
func checkFaults(c *cassette.Cassette) error {
	for i, it := range c.Interactions {
		if _, err := replayer.CassetteFaults(c.File, i, it); err != nil {
			return inputError(err)
		}
	}
	return nil
}

// openFile opens a file to read, with the errors of a command's input.
func openFile(name string) (*os.File, error) {
	fi, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageError("%s: no such file", name)
	case err != nil:
		return nil, inputError(err)
	case fi.IsDir():
		return nil, usageError("%s is a directory; name a cassette or .sse file in it", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, inputError(err)
	}
	return f, nil
}
