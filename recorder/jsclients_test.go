package recorder_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/internal/jsclients"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/replayertest"
)

func runJS(t *testing.T, base, scenario string) map[string]any {
	return jsclients.Run(t, base, scenario)
}

func load(t *testing.T, name string) *cassette.Cassette {
	data, _ := fixtures.FS.ReadFile(name)
	c, err := cassette.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SDKs record through the proxy, then get the same answers from the replay
// of what was recorded, and no credential they sent is in the cassette.
func TestSDKsThroughTheProxy(t *testing.T) {
	events := load(t, "events.yaml")
	events.Interactions[0].Response.Wire = nil
	events.Interactions[0].Response.Entries[0].Retry = 200 * 1e6
	_, up := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Speed: 10}},
		load(t, "openai-chat.yaml"), load(t, "openai-responses.yaml"), load(t, "anthropic.yaml"), events, load(t, "agent.yaml"))
	upURL, _ := url.Parse(up)
	var mu sync.Mutex
	rec := &cassette.Cassette{Version: 1}
	px := httptest.NewServer(&recorder.Proxy{Upstream: upURL, Record: true, Redaction: recorder.DefaultRedaction,
		OnInteraction: func(it *cassette.Interaction) {
			mu.Lock()
			rec.Interactions = append(rec.Interactions, it)
			mu.Unlock()
		}})
	defer px.Close()

	scenarios := []string{"openai-chat", "openai-responses", "anthropic", "eventsource", "fetch-reader"}
	live := map[string]string{}
	for _, s := range scenarios {
		res := runJS(t, px.URL, s)
		if s == "fetch-reader" && res["text"] != "資料を確認しました。第3四半期の売上は前年同期比12%増の48億円です。" {
			t.Errorf("the fetch reader through the proxy: %v", res)
		}
		b, _ := json.Marshal(res)
		live[s] = string(b)
	}
	mu.Lock()
	saved, err := cassette.Marshal(rec)
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"sk-test", "sk-ant-test"} {
		if bytes.Contains(saved, []byte(secret)) {
			t.Fatalf("the credential %q is in the cassette", secret)
		}
	}
	recorded, err := cassette.Parse(saved, "recorded.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The clients asked for: chat twice, responses, messages, events once
	// (and a 204 resume), the agent chat.
	if n := len(recorded.Interactions); n < 6 {
		t.Fatalf("%d interactions recorded", n)
	}
	// Replay what was recorded: the clients behave as they did live.
	_, rp := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Speed: 10}, BodyAny: true}, recorded)
	for _, s := range scenarios {
		b, _ := json.Marshal(runJS(t, rp, s))
		if s == "eventsource" { // its timing varies; the events and the stop must not
			var a, z map[string]any
			_ = json.Unmarshal([]byte(live[s]), &a)
			_ = json.Unmarshal(b, &z)
			delete(a, "ms")
			delete(z, "ms")
			la, _ := json.Marshal(a)
			lz, _ := json.Marshal(z)
			if string(la) != string(lz) {
				t.Errorf("%s: live %s, replayed %s", s, la, lz)
			}
			continue
		}
		if string(b) != live[s] {
			t.Errorf("%s: live %s, replayed %s", s, live[s], b)
		}
	}
}
