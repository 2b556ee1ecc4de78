package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/synth"
)

// synthOptions holds the flags of `ssetape synth`.
type synthOptions struct {
	*env
	Script  string
	Wire    string
	Output  string
	Profile string
	TTFT    time.Duration
	TPS     float64
	Jitter  time.Duration
	Think   time.Duration
	Seed    uint64
	// set says which pacing flags were given, over the profile's.
	set map[string]bool
}

func newSynthCmd(e *env, runF func(*synthOptions) error) *cobra.Command {
	o := &synthOptions{env: e}
	cmd := &cobra.Command{
		Use:   "synth --wire FORMAT SCRIPT [-o FILE]",
		Short: "Write a provider-native stream from a short script, as a cassette",
		Long: `Write a stream nobody recorded, in a provider's own wire format, from a script (YAML or
JSON; - reads standard input): the text, the reasoning, the tool calls, the usage, how it
finishes, or the provider's mid-stream error. The output is a cassette with one
interaction: the format's usual method, path, headers and line ending, matching any
body, its events paced by the profile.

Formats: ` + strings.Join(synth.Formats(), ", ") + `.
Profiles: ` + strings.Join(synth.ProfileNames(), ", ") + ` (docs/synthesis.md gives their numbers);
--ttft, --tps, --jitter and --think override the profile's.

A script's fields: model, reasoning, text, tool_calls (id, name, arguments, result),
content (an ordered list of text, reasoning, refusal, delta and tool_call parts, in
place of reasoning, text and tool_calls), usage (input_tokens, output_tokens), finish
(stop, tool_calls, length), error (message, after_tokens, type: overloaded, rate_limit,
server). A cassette may hold the same fields in a response's synth: block instead.`,
		Example: `  ssetape synth --wire openai-chat script.yaml -o chat.yaml
  ssetape replay chat.yaml                     # an OpenAI SDK pointed at it reads the script back
  echo '{text: "Lisbon is 17 °C."}' | ssetape synth --wire anthropic - --profile fast
  ssetape synth --wire agent --ttft 2s --tps 20 --seed 7 tools.yaml -o slow-agent.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.Script = args[0]
			o.set = map[string]bool{}
			for _, f := range []string{"ttft", "tps", "jitter", "think"} {
				o.set[f] = c.Flags().Changed(f)
			}
			if runF != nil {
				return runF(o)
			}
			return synthRun(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Wire, "wire", "", "the wire format (required): "+strings.Join(synth.Formats(), ", "))
	f.StringVarP(&o.Output, "output", "o", "", "the cassette to write (default: standard output)")
	f.StringVar(&o.Profile, "profile", synth.DefaultProfile, "the pacing profile: "+strings.Join(synth.ProfileNames(), ", "))
	f.DurationVar(&o.TTFT, "ttft", 0, "time from the headers to the first output delta")
	f.Float64Var(&o.TPS, "tps", 0, "output tokens per second")
	f.DurationVar(&o.Jitter, "jitter", 0, "move every gap by up to this, either way (never below 0)")
	f.DurationVar(&o.Think, "think", 0, "extra time before the first text after reasoning")
	f.Uint64Var(&o.Seed, "seed", 1, "the seed of ids, timestamps and jitter")
	_ = cmd.MarkFlagRequired("wire")
	return cmd
}

func synthRun(o *synthOptions) error {
	p, err := synth.Profile(o.Profile)
	if err != nil {
		return usageError("--profile: %v", err)
	}
	if o.set["ttft"] {
		p.TTFT = o.TTFT
	}
	if o.set["tps"] {
		p.TPS = o.TPS
	}
	if o.set["jitter"] {
		p.Jitter = o.Jitter
	}
	if o.set["think"] {
		p.Think = o.Think
	}
	var data []byte
	name := o.Script
	if o.Script == "-" {
		name = "stdin"
		data, err = io.ReadAll(io.LimitReader(o.In, cassette.MaxFileSize+1))
	} else {
		data, err = readLimited(o.Script, cassette.MaxFileSize)
	}
	if err != nil {
		return usageError("%v", err)
	}
	st, err := cassette.ParseScript(data, name, o.Wire, synth.Options{Pacing: p, Seed: o.Seed})
	if err != nil {
		if strings.HasPrefix(err.Error(), "--") {
			return usageError("%v", err)
		}
		return inputError(err)
	}
	it, err := cassette.SynthInteraction(st)
	if err != nil {
		return runtimeError(err)
	}
	c := &cassette.Cassette{Version: cassette.Version, Name: "synth " + o.Wire, Interactions: []*cassette.Interaction{it}}
	if o.Output == "" {
		b, err := cassette.Marshal(c)
		if err != nil {
			return runtimeError(err)
		}
		_, err = o.Out.Write(b)
		return err
	}
	if err := cassette.WriteFile(o.Output, c); err != nil {
		return runtimeError(err)
	}
	fmt.Fprintf(o.Err, "ssetape synth: wrote %s: %s %s, %s in %s\n", o.Output, st.Method, st.Path,
		plural(len(st.Events), "event"), cassette.FormatDuration(st.End))
	return nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: over %d MiB", path, limit>>20)
	}
	return b, nil
}
