package yamlschema

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestReader(t *testing.T) {
	r := &Reader{File: "f.yaml"}
	root, ok := r.Document([]byte("nmae: x\ncount: two\nlist: [a, b]\nname: y\nname: z\n"))
	if !ok {
		t.Fatal(r.Errs)
	}
	var name string
	r.Mapping(root, "", Fields{
		"name":  func(n *yaml.Node, key string) { name, _ = r.Str(n, key) },
		"count": func(n *yaml.Node, key string) { r.Int(n, key) },
		"list":  func(n *yaml.Node, key string) { r.StrList(n, key, "[a]") },
		"extra": func(n *yaml.Node, key string) {},
	}, "name", "extra")
	got := r.Errs.Error()
	for _, want := range []string{
		`f.yaml:1:1: nmae: unknown key (did you mean name?)`,
		`f.yaml:2:8: count: must be a whole number, not "two"`,
		`f.yaml:5:1: name: given twice (keep one)`,
		`f.yaml:1:1: extra: missing (add extra:)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	if name != "y" {
		t.Errorf("name %q", name)
	}
	for in, want := range map[string]string{
		"a: 1\n---\nb: 2\n": "f.yaml:2:1: a second YAML document",
		"a: \"\x01\"\n":     "f.yaml:1:5: a control character (U+0001)",
		"a: [\n":            "not valid YAML",
	} {
		r := &Reader{File: "f.yaml"}
		if _, ok := r.Document([]byte(in)); ok || !strings.Contains(r.Errs.Error(), want) {
			t.Errorf("%q: %v, want %q", in, r.Errs, want)
		}
	}
}
