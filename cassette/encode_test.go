package cassette

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ssetape/ssetape/fixtures"
)

// marshalWhole is how Marshal saved a cassette before the streaming saver:
// the whole YAML tree at once. The streaming saver must write its bytes.
func marshalWhole(c *Cassette) ([]byte, error) {
	root := mapping(false)
	add(root, "version", intNode(Version))
	if c.Name != "" {
		add(root, "name", str(c.Name))
	}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range c.Interactions {
		list.Content = append(list.Content, interactionNode(it))
	}
	add(root, "interactions", list)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkEncode checks that the streaming saver writes exactly the bytes the
// whole-tree saver made, and that appending interactions one by one makes
// the same file.
func checkEncode(t *testing.T, name string, c *Cassette) {
	t.Helper()
	want, err := marshalWhole(c)
	if err != nil {
		return
	}
	var got bytes.Buffer
	if err := Encode(&got, c); err != nil {
		t.Fatalf("%s: Encode: %v", name, err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("%s: Encode differs from Marshal:\n%s\n---\n%s", name, got.Bytes(), want)
	}
	if len(c.Interactions) == 0 {
		return
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	first := *c
	first.Interactions = c.Interactions[:1]
	if err := WriteFile(path, &first); err != nil {
		t.Fatal(err)
	}
	for _, it := range c.Interactions[1:] {
		if err := AppendFile(path, it); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, want) {
		t.Fatalf("%s: appended one by one:\n%s\n---\n%s", name, b, want)
	}
}

func TestEncodeIsMarshal(t *testing.T) {
	names, _ := fs.Glob(fixtures.FS, "*.yaml")
	for _, name := range names {
		data, _ := fixtures.FS.ReadFile(name)
		c, err := Parse(data, name)
		if err != nil {
			t.Fatal(err)
		}
		checkEncode(t, name, c)
	}
	checkEncode(t, "empty", &Cassette{Version: 1})
	checkEncode(t, "named empty", &Cassette{Version: 1, Name: "x"})
}

// A stream long enough to be encoded in batches gives exactly the bytes
// of the whole tree, with every kind of entry and chunk in it.
func TestEncodeLongStream(t *testing.T) {
	var chunks []Chunk
	for i := range 3*itemBatch + 7 {
		data := fmt.Sprintf("id: %d\nevent: text_delta\ndata: {\"n\":%d,\"t\":\"大阪 \\\"q\\\" %s\"}\n\n", i, i, strings.Repeat("x", i%97))
		switch i % 50 {
		case 3:
			data = ": ping\r\n\r\n"
		case 7:
			data = "retry: 100\n\n"
		case 9:
			data = "data: \xff\xfe binary\n\n"
		}
		chunks = append(chunks, Chunk{At: time.Duration(i) * time.Millisecond, Data: []byte(data)})
	}
	it := &Interaction{Request: Request{Method: "POST", Path: "/long", Body: []byte(`{"a":1}`)}, Faults: []string{"close:after=9"}}
	it.Response.Status = 200
	it.Response.Headers = Headers{"Content-Type": {"text/event-stream"}}
	if err := it.Response.SetChunks(chunks); err != nil {
		t.Fatal(err)
	}
	it.Response.End = &End{At: time.Minute, Reason: EOF}
	c := &Cassette{Version: 1, Name: "long", Interactions: []*Interaction{it, it}}
	got, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := marshalWhole(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("the batched encoding differs at byte %d:\n%q\nwant\n%q", i, got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
	}
	if _, err := Parse(got, "long.yaml"); err != nil {
		t.Fatal(err)
	}
}
