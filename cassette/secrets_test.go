package cassette

import (
	"strings"
	"testing"
)

func TestFindSecrets(t *testing.T) {
	c := &Cassette{Version: 1, Interactions: []*Interaction{{
		Request: Request{Method: "POST", Path: "/v1?key=AIzaSyA1234567890abcdefghijklmnopqrstuv",
			Headers: Headers{"Authorization": {"Bearer sk-proj-abcdefghijklmnop1234"}, "X-Ok": {"REDACTED"}},
			Body:    []byte(`{"api_key":"AKIAIOSFODNN7EXAMPLE","id":"chatcmpl-Aq7x2ZfXw1"}`)},
		Response: Response{Status: 200, Entries: []Entry{
			{Data: `{"token":"Zx9Qw2Er7Ty4Ui8Op1As5Df3Gh6Jk0LzXcVbNm"}`, HasData: true},
			{Data: `{"type":"text_delta","content":"the quick brown fox jumps over the lazy dog"}`, HasData: true},
		}},
	}}}
	got := FindSecrets(c)
	var kinds []string
	for _, s := range got {
		kinds = append(kinds, s.Where+": "+s.Kind)
		if strings.Contains(s.Masked, "abcdefghijklmnop") {
			t.Errorf("not masked: %+v", s)
		}
	}
	want := []string{"request path: Google API key", "request query key: credential-named query",
		"request header Authorization: credential-named header", "request header Authorization: OpenAI-style key",
		"request header Authorization: bearer token", "request body: AWS access key", "request body: credential-named JSON field",
		"entry 1: high-entropy token", "entry 1: credential-named JSON field"}
	if strings.Join(kinds, "\n") != strings.Join(want, "\n") {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(kinds, "\n"), strings.Join(want, "\n"))
	}
	c.Interactions[0] = &Interaction{Request: Request{Method: "GET", Path: "/", Headers: Headers{"Authorization": {"REDACTED"}}}}
	if s := FindSecrets(c); len(s) != 0 {
		t.Errorf("redacted cassette: %+v", s)
	}
}
