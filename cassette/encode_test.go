package cassette

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

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
