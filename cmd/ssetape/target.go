package main

import (
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
	Raw      []byte
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
	var data []byte
	var err error
	display := name
	if name == "-" {
		display = "<stdin>"
		data, err = io.ReadAll(io.LimitReader(stdin, cassette.MaxFileSize+1))
	} else {
		data, err = readFile(name)
	}
	if err != nil {
		return nil, err
	}
	if len(data) > cassette.MaxFileSize {
		return nil, usageError("%s: larger than %d MiB", display, cassette.MaxFileSize>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".yaml" || ext == ".yml" || (ext != ".sse" && cassette.LooksLikeCassette(data)) {
		c, err := cassette.Parse(data, display)
		if err != nil {
			return nil, inputError(err)
		}
		if err := checkFaults(c); err != nil {
			return nil, err
		}
		return &target{Name: display, Cassette: c}, nil
	}
	return &target{Name: display, Raw: data}, nil
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

func readFile(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageError("%s: no such file", name)
	case err != nil:
		return nil, inputError(err)
	case fi.IsDir():
		return nil, usageError("%s is a directory; name a cassette or .sse file in it", name)
	case fi.Size() > cassette.MaxFileSize:
		return nil, usageError("%s: larger than %d MiB", name, cassette.MaxFileSize>>20)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, inputError(err)
	}
	return data, nil
}
