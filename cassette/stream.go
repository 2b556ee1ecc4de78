package cassette

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// TimedBlock is a block of a stream with the time it was complete on the
// wire: the offset of the chunk that brought its dispatching line end.
type TimedBlock struct {
	sse.Block
	At time.Duration
}

// Timeline decodes a body given as chunks into its blocks (the raw view),
// each with the offset at which a client had it. It stops with an error when
// a line or an event is over the decoder's size limit.
func Timeline(chunks []Chunk) ([]TimedBlock, error) {
	var out []TimedBlock
	err := EachBlock(chunks, func(b TimedBlock) { out = append(out, b) })
	return out, err
}

// EachBlock is Timeline one block at a time: it calls fn for each block in
// order, keeping none, so that its memory does not grow with the stream.
func EachBlock(chunks []Chunk, fn func(TimedBlock)) error {
	d := sse.NewDecoder(&chunkReader{chunks: chunks})
	i, start := 0, int64(0) // the chunk that holds the last block's dispatch point, and its body offset
	at := func(off int64) time.Duration {
		for i+1 < len(chunks) && start+int64(len(chunks[i].Data)) <= off {
			start += int64(len(chunks[i].Data))
			i++
		}
		if len(chunks) == 0 {
			return 0
		}
		return chunks[i].At
	}
	for {
		b, err := d.NextBlock()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("stream byte %d: %w", d.Offset(), err)
		}
		fn(TimedBlock{Block: b, At: at(b.DispatchOffset())})
	}
}

// chunkReader reads the body of a list of chunks without joining them.
type chunkReader struct {
	chunks []Chunk
	i, off int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for r.i < len(r.chunks) && r.off >= len(r.chunks[r.i].Data) {
		r.i, r.off = r.i+1, 0
	}
	if r.i >= len(r.chunks) {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[r.i].Data[r.off:])
	r.off += n
	return n, nil
}

// bodyRange is bytes [start, end) of the body the chunks make, copied
// from the chunks that hold them (the body is never joined whole).
func bodyRange(chunks []Chunk, start, end int64) []byte {
	var out []byte
	pos := int64(0)
	for _, c := range chunks {
		n := int64(len(c.Data))
		if pos+n > start && pos < end {
			out = append(out, c.Data[max(start-pos, 0):min(end-pos, n)]...)
		}
		pos += n
		if pos >= end {
			break
		}
	}
	return out
}

func joinChunks(chunks []Chunk) ([]byte, []int64) {
	n := 0
	for _, c := range chunks {
		n += len(c.Data)
	}
	body := make([]byte, 0, n)
	starts := make([]int64, len(chunks))
	for i, c := range chunks {
		starts[i] = int64(len(body))
		body = append(body, c.Data...)
	}
	return body, starts
}

// SetChunks makes r a recorded stream from the chunks of its body as they
// arrived: the wire section keeps them byte for byte, and the entries are
// derived from them, with a checksum that later tells whether they were
// edited. This is the conversion the recorder calls.
func (r *Response) SetChunks(chunks []Chunk) error {
	// One block at a time: a long recording's blocks are never all held
	// (docs/benchmarks.md, "Scale").
	var endings sse.LineEndings
	entries := []Entry{}
	err := EachBlock(chunks, func(b TimedBlock) {
		for _, l := range b.Lines {
			endings.Add(l.Ending)
		}
		if b.Terminated {
			endings.Add(b.Ending)
		}
		if e, ok := entryFromBlock(b, chunks); ok {
			entries = append(entries, e)
		}
	})
	if err != nil {
		return err
	}
	r.Entries = entries
	r.Body = nil
	r.Wire = &Wire{LineEnding: endings.Dominant(), Chunks: chunks, Checksum: Checksum(entries)}
	return nil
}

// entryFromBlock makes the entry of one block; a block with no lines (an
// extra blank line) or only unknown fields makes none.
func entryFromBlock(b TimedBlock, chunks []Chunk) (Entry, bool) {
	e := Entry{At: b.At}
	if !b.Terminated {
		e.Raw = strings.ToValidUTF8(string(bodyRange(chunks, b.Start, b.End)), "\uFFFD")
		return e, e.Raw != ""
	}
	var comments, data []string
	useful := false
	for _, l := range b.Lines {
		switch l.Kind {
		case sse.Comment:
			comments = append(comments, strings.TrimPrefix(l.Value, " "))
		case sse.Data:
			data = append(data, l.Value)
		case sse.EventType:
			e.Event = l.Value
		case sse.ID:
			if !l.Ignored {
				e.ID, e.HasID = l.Value, true
			}
		case sse.Retry:
			if !l.Ignored {
				e.Retry, e.HasRetry = retryValue(l.Value), true
			}
		default:
			continue
		}
		useful = true
	}
	e.Comment = strings.Join(comments, "\n")
	if data != nil {
		e.Data, e.HasData = strings.Join(data, "\n"), true
	}
	return e, useful
}

// retryValue reads a retry value the decoder accepted (ASCII digits),
// saturating as the decoder does.
func retryValue(digits string) time.Duration {
	const maxMS = math.MaxInt64 / int64(time.Millisecond)
	ms, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || ms > maxMS {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}

// Checksum returns the checksum of a list of entries, as stored in the wire
// section: any change to an entry's time or content changes it.
func Checksum(entries []Entry) string {
	h := sha256.New()
	for _, e := range entries {
		fmt.Fprintf(h, "%d|%q|%t|%q|%q|%t|%q|%t|%d|%q\n", e.At.Round(time.Microsecond).Microseconds(),
			e.Comment, e.HasID, e.ID, e.Event, e.HasData, e.Data, e.HasRetry, e.Retry.Milliseconds(), e.Raw)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Edited reports whether the entries of a recorded stream no longer match
// the checksum taken when it was recorded.
func (r *Response) Edited() bool {
	return r.Wire != nil && r.Wire.Checksum != Checksum(r.Entries)
}

// ErrEdited is returned by Chunks in strict mode for a stream whose entries
// were edited after recording.
var ErrEdited = errors.New("the entries were edited after recording, so the recorded wire bytes no longer apply")

// Chunks returns the chunks to send for a stream and their offsets: the
// recorded wire chunks, byte for byte, when the entries are as recorded;
// otherwise the entries, encoded with the recorded line ending (LF for a
// hand-written cassette), one chunk per entry at its offset. edited reports
// the second case for a recorded stream (the replayer logs a warning; with
// strict, Chunks returns ErrEdited instead). This is the conversion the
// replayer, assert and inspect call.
func (r *Response) Chunks(strict bool) (chunks []Chunk, edited bool, err error) {
	if r.Wire != nil && !r.Edited() {
		return r.Wire.Chunks, false, nil
	}
	edited = r.Wire != nil
	if edited && strict {
		return nil, true, ErrEdited
	}
	eol := sse.LF
	switch {
	case r.Wire != nil && r.Wire.LineEnding != sse.NoLineEnding:
		eol = r.Wire.LineEnding
	case r.Synth != nil && r.Synth.LineEnding != sse.NoLineEnding:
		eol = r.Synth.LineEnding
	}
	chunks = make([]Chunk, 0, len(r.Entries))
	for i := range r.Entries {
		e := &r.Entries[i]
		if e.Raw != "" {
			chunks = append(chunks, Chunk{At: e.At, Data: []byte(e.Raw)})
			continue
		}
		b, err := sse.AppendMessage(nil, e.Message(), eol)
		if err != nil {
			return nil, edited, fmt.Errorf("entry %d: %w", i+1, err)
		}
		chunks = append(chunks, Chunk{At: e.At, Data: b})
	}
	return chunks, edited, nil
}
