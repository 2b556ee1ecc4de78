package assert

import (
	"fmt"
	"slices"
	"strings"
)

// Grammar is a sequence grammar over event types, such as
//
//	thinking* ( text_delta | tool_call tool_result )* final_answer? done
//
// Types are words of letters, digits and _ . : / -, or quoted with "..." for
// anything else; _ is any type; ?, * and + follow a word or a group; | and
// parentheses stand apart, separated by spaces. It runs as an automaton
// (a Thompson NFA) over the stream, one event at a time.
type Grammar struct {
	Text  string
	start *nfaState
	final *nfaState
}

type nfaState struct {
	label string // "" for an epsilon state; "_" for any type
	out   []*nfaState
	id    int
}

type frag struct{ start, end *nfaState }

// MaxGrammarTokens bounds a grammar's size: its automaton is stepped once
// per event, in time proportional to its states.
const MaxGrammarTokens = 10_000

// ParseGrammar compiles a grammar; errors say where it went wrong.
func ParseGrammar(text string) (*Grammar, error) {
	if len(text) > 16*MaxGrammarTokens {
		return nil, fmt.Errorf("the grammar is %d bytes; at most %d tokens are allowed (split the contract, or use rules)", len(text), MaxGrammarTokens)
	}
	toks, err := tokenize(text)
	if err != nil {
		return nil, err
	}
	if len(toks) > MaxGrammarTokens {
		return nil, fmt.Errorf("the grammar has %d tokens, over the limit of %d (split the contract, or use rules)", len(toks), MaxGrammarTokens)
	}
	p := &grammarParser{toks: toks, text: text}
	f, err := p.alternation()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("grammar %q: unexpected %q at token %d", text, p.toks[p.pos].text, p.pos+1)
	}
	final := p.state("")
	f.end.out = append(f.end.out, final)
	return &Grammar{Text: text, start: f.start, final: final}, nil
}

type token struct {
	text   string
	quoted bool
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("grammar %q: a quoted type is not closed", s)
			}
			out = append(out, token{text: s[i+1 : j], quoted: true})
			i = j + 1
		case c == '(' || c == ')' || c == '|':
			out = append(out, token{text: string(c)})
			i++
		case c == '?' || c == '*' || c == '+':
			out = append(out, token{text: string(c)})
			i++
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{text: s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("grammar %q: %q is not allowed here; quote a type that holds it (\"...\")", s, c)
		}
	}
	return out, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:/-", c) >= 0
}

type grammarParser struct {
	toks []token
	pos  int
	text string
	n    int
}

func (p *grammarParser) state(label string) *nfaState {
	p.n++
	return &nfaState{label: label, id: p.n}
}

func (p *grammarParser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// alternation := sequence ( "|" sequence )*
func (p *grammarParser) alternation() (frag, error) {
	first, err := p.sequence()
	if err != nil {
		return frag{}, err
	}
	alts := []frag{first}
	for {
		t, ok := p.peek()
		if !ok || t.quoted || t.text != "|" {
			break
		}
		p.pos++
		f, err := p.sequence()
		if err != nil {
			return frag{}, err
		}
		alts = append(alts, f)
	}
	if len(alts) == 1 {
		return first, nil
	}
	s, e := p.state(""), p.state("")
	for _, a := range alts {
		s.out = append(s.out, a.start)
		a.end.out = append(a.end.out, e)
	}
	return frag{s, e}, nil
}

// sequence := item*
func (p *grammarParser) sequence() (frag, error) {
	s := p.state("")
	cur := frag{s, s}
	for {
		t, ok := p.peek()
		if !ok || (!t.quoted && (t.text == "|" || t.text == ")")) {
			return cur, nil
		}
		f, err := p.item()
		if err != nil {
			return frag{}, err
		}
		cur.end.out = append(cur.end.out, f.start)
		cur.end = f.end
	}
}

// item := ( word | "(" alternation ")" ) [ "?" | "*" | "+" ]
func (p *grammarParser) item() (frag, error) {
	t, _ := p.peek()
	p.pos++
	var f frag
	switch {
	case !t.quoted && t.text == "(":
		inner, err := p.alternation()
		if err != nil {
			return frag{}, err
		}
		if c, ok := p.peek(); !ok || c.quoted || c.text != ")" {
			return frag{}, fmt.Errorf("grammar %q: a ( is not closed", p.text)
		}
		p.pos++
		f = inner
	case !t.quoted && strings.Contains("?*+", t.text):
		return frag{}, fmt.Errorf("grammar %q: %s must follow a type or a group", p.text, t.text)
	default:
		s, e := p.state(t.text), p.state("")
		s.out = append(s.out, e)
		f = frag{s, e}
	}
	if q, ok := p.peek(); ok && !q.quoted && (q.text == "?" || q.text == "*" || q.text == "+") {
		p.pos++
		s, e := p.state(""), p.state("")
		s.out = append(s.out, f.start)
		f.end.out = append(f.end.out, e)
		if q.text != "+" {
			s.out = append(s.out, e)
		}
		if q.text != "?" {
			f.end.out = append(f.end.out, f.start)
		}
		f = frag{s, e}
	}
	return f, nil
}

// grammarRun is the automaton running over one stream.
type grammarRun struct {
	g      *Grammar
	states []*nfaState // labelled states and the final state, after epsilon moves
	failed bool
}

func (g *Grammar) run() *grammarRun {
	r := &grammarRun{g: g}
	r.states = closure([]*nfaState{g.start})
	return r
}

// closure follows epsilon moves; it keeps labelled states and the final one.
func closure(from []*nfaState) []*nfaState {
	seen := map[int]bool{}
	var out []*nfaState
	stack := append([]*nfaState(nil), from...)
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[s.id] {
			continue
		}
		seen[s.id] = true
		if s.label != "" || len(s.out) == 0 {
			out = append(out, s)
		}
		if s.label == "" {
			stack = append(stack, s.out...)
		}
	}
	return out
}

// step takes one event type; it returns false (and the types that would have
// been accepted) when the sequence cannot go on.
func (r *grammarRun) step(typ string) (bool, []string) {
	var next []*nfaState
	for _, s := range r.states {
		if s.label == typ || s.label == "_" {
			next = append(next, s.out...)
		}
	}
	if len(next) == 0 {
		return false, r.expected()
	}
	r.states = closure(next)
	return true, nil
}

// accepting reports whether the sequence may end here.
func (r *grammarRun) accepting() bool {
	return slices.Contains(r.states, r.g.final)
}

// maxExpected is how many of the types the automaton would take a message
// lists.
const maxExpected = 20

// expected lists the types the automaton would take now (and "the end"
// when it may end), at most maxExpected of them.
func (r *grammarRun) expected() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range r.states {
		if s.label != "" && !seen[s.label] {
			seen[s.label] = true
			out = append(out, s.label)
		}
	}
	slices.Sort(out)
	if len(out) > maxExpected {
		out = append(out[:maxExpected], fmt.Sprintf("%d more", len(out)-maxExpected))
	}
	if r.accepting() {
		out = append(out, "the end of the stream")
	}
	return out
}
