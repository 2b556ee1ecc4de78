package replayer_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/internal/jsclients"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/replayertest"
)

func runJS(t *testing.T, url, scenario string) map[string]any { return jsclients.Run(t, url, scenario) }

func TestOpenAINodeSDK(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Speed: 10}}, fixture(t, "openai-chat.yaml"), fixture(t, "openai-responses.yaml"))
	res := runJS(t, url, "openai-chat")
	want := "Server-Sent Events stream text as it is generated."
	if res["text"] != want || res["final"] != want || res["finish"] != "stop" || res["total_tokens"] != float64(23) {
		t.Errorf("openai chat: %v", res)
	}
	res = runJS(t, url, "openai-responses")
	if res["text"] != "Replay keeps the timing." || res["output_text"] != "Replay keeps the timing." || res["status"] != "completed" {
		t.Errorf("openai responses: %v", res)
	}
}

func TestAnthropicNodeSDK(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Speed: 10}}, fixture(t, "anthropic.yaml"))
	res := runJS(t, url, "anthropic")
	if res["text"] != "Cassettes make streams repeatable." || res["final"] != res["text"] || res["stop_reason"] != "end_turn" {
		t.Errorf("anthropic: %v", res)
	}
}

func TestEventSourceReconnectsAndStopsAt204(t *testing.T) {
	var log replayer.LogBuffer
	c := fixture(t, "events.yaml")
	// A shorter retry than the fixture's 2 s keeps the test quick.
	c.Interactions[0].Response.Wire = nil
	c.Interactions[0].Response.Entries[0].Retry = 200 * 1e6
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Speed: 4},
		Logger: slog.New(slog.NewTextHandler(&log, nil))}, c)
	res := runJS(t, url, "eventsource")
	evs, _ := res["events"].([]any)
	if len(evs) != 7 || res["closed"] != true || res["opens"] != float64(1) {
		t.Fatalf("eventsource: %v", res)
	}
	last := evs[6].(map[string]any)
	if last["type"] != "done" || last["id"] != "7" {
		t.Errorf("last event %v", last)
	}
	if l := log.String(); !strings.Contains(l, "last_event_id=7") || !strings.Contains(l, "204: nothing left") {
		t.Errorf("the reconnect with Last-Event-ID 7 did not get 204:\n%s", l)
	}
}
