package transport

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssetape/ssetape/replayer/fault"
)

// Clients that stop reading, then read on, get every byte of their streams
// in order: the rest of a write their socket did not take is copied out of
// the pass's buffer before the buffer is used again (with the send ring,
// the buffer holds the whole pass's writes). Three streams fall due in the
// same passes, each chunk different, so that a rest taken from the wrong
// place or after the buffer moved on shows as the wrong bytes. A stream
// is twice what the server's socket buffer grows to (4 MiB on Linux by
// default) and more than the client's (64 KiB), so the writes do back up:
// without the copy, this test fails.
func TestSlowClientsGetEveryByte(t *testing.T) {
	n := backedUpChunks()
	chunks := func(stream int) []string {
		var data []string
		for i := range n {
			data = append(data, fmt.Sprintf("%d.%02d %s", stream, i, strings.Repeat(string(rune('a'+(stream*7+i)%26)), 200000)))
		}
		return data
	}
	var mu sync.Mutex
	next := 0
	srv := serve(t, nil, func() *fault.Plan {
		mu.Lock()
		defer mu.Unlock()
		next++
		return planOf(2*time.Millisecond, chunks(next)...)
	})
	addr := strings.TrimPrefix(srv.ts.URL, "http://")
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, "GET /s HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(200 * time.Millisecond) // the stream's writes back up meanwhile
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			resp, err := readResponse(bufio.NewReader(conn))
			if err != nil {
				errs <- err
				return
			}
			// Which stream this is, from its first chunk.
			stream := 0
			fmt.Sscanf(strings.TrimPrefix(resp, "data: "), "%d.", &stream)
			var want strings.Builder
			for _, d := range chunks(stream) {
				want.WriteString("data: " + d + "\n\n")
			}
			if resp != want.String() {
				i := 0
				for i < len(resp) && i < want.Len() && resp[i] == want.String()[i] {
					i++
				}
				errs <- fmt.Errorf("stream %d: %d bytes, want %d; first difference at byte %d", stream, len(resp), want.Len(), i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// backedUpChunks is how many chunks of 200 kB make a stream twice what a
// socket's send buffer may grow to here (Linux's tcp_wmem), 8 MB at least.
func backedUpChunks() int {
	limit := 4 << 20
	if b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 {
			if v, err := strconv.Atoi(f[2]); err == nil {
				limit = v
			}
		}
	}
	return max(40, 2*limit/200000+1)
}

// readResponse reads one chunked response and returns its body.
func readResponse(br *bufio.Reader) (string, error) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("head: %w", err)
		}
		if line == "\r\n" {
			break
		}
	}
	var body strings.Builder
	for {
		var size int
		line, err := br.ReadString('\n')
		if err != nil {
			return body.String(), fmt.Errorf("chunk size after %d bytes: %w", body.Len(), err)
		}
		if _, err := fmt.Sscanf(line, "%x", &size); err != nil {
			return body.String(), fmt.Errorf("chunk size line %q: %w", line, err)
		}
		if size == 0 {
			return body.String(), nil
		}
		if _, err := io.CopyN(&body, br, int64(size)); err != nil {
			return body.String(), err
		}
		if _, err := br.Discard(2); err != nil {
			return body.String(), err
		}
	}
}
