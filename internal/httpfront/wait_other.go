//go:build !unix

package httpfront

// readRequest waits for the next request on fc in a buffer from the pool:
// where the socket is not read directly, an idle connection holds one.
func (fc *conn) readRequest() (bp *[]byte, n int, err error) {
	return fc.readRequestPlain()
}

// socketFD reports no socket here: the transport writes through the
// connection.
func (fc *conn) socketFD() (uintptr, bool) { return 0, false }
