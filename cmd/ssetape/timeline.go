package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// The timeline model of inspect: one row per event, comment, retry or
// id-only block, as a client receives them.

// row is one line of the timeline.
type row struct {
	Kind       string // event, comment, retry, id, cut
	N          int
	At, Gap    time.Duration
	Start, End int64
	Type, ID   string
	Data       string
}

// streamView is the timeline of one stream.
type streamView struct {
	Rows      []row
	Timed     bool
	Events    int
	Bytes     int
	Chunks    int
	Discarded bool
}

// rowSource hands rows to fn in order, stopping at fn's first error.
type rowSource func(fn func(row) error) error

// rows is the view's rows as a source.
func (v *streamView) rows(fn func(row) error) error {
	for _, r := range v.Rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// rawRows decodes a raw stream's rows as they are read (untimed: byte
// offsets), counting into v; nothing of the stream is kept.
func rawRows(in io.Reader, v *streamView) rowSource {
	return func(fn func(row) error) error {
		d := sse.NewDecoder(in)
		for {
			b, err := d.NextBlock()
			if err == io.EOF {
				v.Bytes = int(d.Offset())
				return nil
			}
			if err != nil {
				return inputError(fmt.Errorf("byte %d: %w", d.Offset(), err))
			}
			if r, ok := v.rowOf(cassette.TimedBlock{Block: b}, 0); ok {
				if err := fn(r); err != nil {
					return err
				}
			}
		}
	}
}

// viewOf builds the timeline rows of a stream given as chunks.
func viewOf(chunks []cassette.Chunk, timed bool, headersAt time.Duration) (*streamView, error) {
	v := &streamView{Timed: timed, Chunks: len(chunks)}
	for _, c := range chunks {
		v.Bytes += len(c.Data)
	}
	prev := headersAt
	err := cassette.EachBlock(chunks, func(b cassette.TimedBlock) {
		if r, ok := v.rowOf(b, prev); ok {
			if r.Kind == "event" {
				prev = b.At
			}
			v.Rows = append(v.Rows, r)
		}
	})
	return v, err
}

// rowOf makes the row of a block; false for a block a client sees nothing
// of (a blank line, unknown fields).
func (v *streamView) rowOf(b cassette.TimedBlock, prev time.Duration) (row, bool) {
	r := row{At: b.At, Gap: b.At - prev, Start: b.Start, End: b.End}
	switch {
	case !b.Terminated:
		r.Kind, r.Data = "cut", fmt.Sprintf("%d bytes at the end are not a complete block: a client discards them", b.End-b.Start)
		v.Discarded = true
	case b.Dispatched:
		v.Events++
		r.Kind, r.N, r.Type, r.ID, r.Data = "event", v.Events, b.Event.Type, b.Event.LastEventID, b.Event.Data
	default:
		for _, l := range b.Lines {
			switch {
			case l.Kind == sse.Comment && r.Kind == "":
				r.Kind, r.Data = "comment", ":"+l.Value
			case l.Kind == sse.Retry && !l.Ignored:
				r.Kind, r.Data = "retry", "retry: "+l.Value
			case l.Kind == sse.ID && !l.Ignored:
				r.Kind, r.ID, r.Data = "id", l.Value, "id: "+l.Value
			}
		}
		if r.Kind == "" {
			return r, false
		}
	}
	return r, true
}
