package httpfront

// idleConns is the connections waiting for a request, which Shutdown
// closes: a list threaded through the conns themselves. Every request takes
// its connection off it and puts it back after, two changes under the
// server's lock; in a map keyed by the net.Conn they hashed an interface
// and probed a table each time. Guarded by the server's mu.
type idleConns struct {
	first *conn
}

// idleLink is a conn's place in the list.
type idleLink struct {
	prev, next *conn
	in         bool
}

func (l *idleConns) add(fc *conn) {
	if fc.idle.in {
		return
	}
	fc.idle = idleLink{next: l.first, in: true}
	if l.first != nil {
		l.first.idle.prev = fc
	}
	l.first = fc
}

func (l *idleConns) remove(fc *conn) {
	if !fc.idle.in {
		return
	}
	if p := fc.idle.prev; p != nil {
		p.idle.next = fc.idle.next
	} else {
		l.first = fc.idle.next
	}
	if n := fc.idle.next; n != nil {
		n.idle.prev = fc.idle.prev
	}
	fc.idle = idleLink{}
}

// takeAll empties the list and returns what it held.
func (l *idleConns) takeAll() []*conn {
	var all []*conn
	for fc := l.first; fc != nil; {
		next := fc.idle.next
		fc.idle = idleLink{}
		all = append(all, fc)
		fc = next
	}
	l.first = nil
	return all
}
