package bench

import (
	"io"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/ssetape/ssetape/sse"
)

// Reads4K hands out its data in reads of at most 4 KiB, as a network
// connection would.
type Reads4K struct{ Data []byte }

func (r *Reads4K) Read(p []byte) (int, error) {
	if len(r.Data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), 4096, len(r.Data))
	copy(p, r.Data[:n])
	r.Data = r.Data[n:]
	return n, nil
}

// DecodeSSEtape counts the events ssetape's decoder finds in the input.
func DecodeSSEtape(in []byte) (int, error) {
	d := sse.NewDecoder(&Reads4K{in})
	n := 0
	for {
		_, err := d.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// DecodeGoSSE counts the events go-sse v0.12.0's Read finds in the input.
func DecodeGoSSE(in []byte) (int, error) {
	n := 0
	for _, err := range gosse.Read(&Reads4K{in}, &gosse.ReadConfig{MaxEventSize: 1 << 20}) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
