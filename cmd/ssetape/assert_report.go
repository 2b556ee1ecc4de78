package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/ssetape/ssetape/assert"
)

// writeReports writes the outcomes in the chosen format.
func (o *assertOptions) writeReports(outs []outcome) error {
	switch o.Format {
	case "json":
		return writeJSON(o, outs)
	case "junit":
		return writeJUnit(o, outs)
	}
	writeText(o, outs)
	return nil
}

func writeJSON(o *assertOptions, outs []outcome) error {
	enc := json.NewEncoder(o.Out)
	enc.SetEscapeHTML(false)
	for _, out := range outs {
		if out.report == nil {
			target, why, _ := strings.Cut(out.skipped, ": ")
			if err := enc.Encode(map[string]string{"target": target, "skipped": why}); err != nil {
				return err
			}
			continue
		}
		r := out.report
		if r.Violations == nil {
			r.Violations = []assert.Violation{}
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func writeText(o *assertOptions, outs []outcome) {
	p := newPalette(o.Color)
	for _, out := range outs {
		if out.report == nil {
			fmt.Fprintln(o.Out, p.dim.Sprint("· skipped "+out.skipped))
			continue
		}
		r := out.report
		mark, summary := p.green.Sprint("✓"), "passed"
		if !r.Passed() {
			mark, summary = p.red.Sprint("✗"), plural(r.Errors(), "error")
		}
		if w := len(r.Violations) - r.Errors(); w > 0 {
			summary += ", " + plural(w, "warning")
		}
		name := r.Contract
		if r.Auto && !strings.Contains(name, "no preset matched") {
			name += " (chosen by auto)"
		}
		fmt.Fprintf(o.Out, "%s %s · %s · %s · %s\n", mark, p.bold.Sprint(r.Target), name, plural(r.Events, "event"), summary)
		for _, v := range r.Violations {
			writeViolation(o, p, r, v)
		}
	}
}

// writeViolation writes one broken rule with the offending event and its
// neighbours (those the report kept).
func writeViolation(o *assertOptions, p *palette, r *assert.Report, v assert.Violation) {
	sev := p.red.Sprint(string(v.Severity))
	if v.Severity == assert.Warning {
		sev = p.yellow.Sprint(string(v.Severity))
	}
	where := fmt.Sprintf("event %d", v.Event)
	switch {
	case v.Event == 0 && v.Offset > 0: // the raw body
		where = fmt.Sprintf("byte %d", v.Offset)
	case v.Event == 0: // the response as a whole: its status or headers
		where = "the response"
	default:
		if v.Type != "" {
			where += " " + v.Type
		}
		if v.At != "" {
			where += " at " + v.At
		} else {
			where += fmt.Sprintf(" at byte %d", v.Offset)
		}
	}
	fmt.Fprintf(o.Out, "  %s %s %s: %s\n", p.bold.Sprint(v.Rule), sev, where, v.Message)
	for n := v.Event - 1; v.Event > 0 && n <= v.Event+1; n++ {
		e, ok := r.Event(n)
		if !ok {
			continue
		}
		line := fmt.Sprintf("      %3d  %-14s %s", n, e.TypeName(), excerpt(e.Data, 70))
		if n == v.Event {
			fmt.Fprintln(o.Out, "    >"+line[5:])
		} else {
			fmt.Fprintln(o.Out, p.dim.Sprint(line))
		}
	}
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(o *assertOptions, outs []outcome) error {
	suite := junitSuite{Name: "ssetape assert"}
	for _, out := range outs {
		if out.report == nil {
			target, why, _ := strings.Cut(out.skipped, ": ")
			suite.Cases = append(suite.Cases, junitCase{Name: target, Classname: "ssetape", Skipped: &junitSkipped{Message: why}})
			suite.Tests++
			suite.Skipped++
			continue
		}
		r := out.report
		c := junitCase{Name: r.Target, Classname: "ssetape." + r.Contract}
		var fails, warns []string
		failType := ""
		for _, v := range r.Violations {
			line := fmt.Sprintf("%s %s at event %d (%s): %s", v.Rule, v.Severity, v.Event, v.Type, v.Message)
			if v.Severity == assert.Error {
				if failType == "" {
					failType = v.Rule // the first error's rule, never a warning's
				}
				fails = append(fails, line)
			} else {
				warns = append(warns, line)
			}
		}
		if len(fails) > 0 {
			c.Failure = &junitFailure{Message: fails[0], Type: failType, Text: strings.Join(fails, "\n")}
			suite.Failures++
		}
		c.SystemOut = strings.Join(warns, "\n")
		suite.Cases = append(suite.Cases, c)
		suite.Tests++
	}
	doc := junitSuites{Name: "ssetape", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped, Suites: []junitSuite{suite}}
	if _, err := fmt.Fprint(o.Out, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(o.Out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := fmt.Fprintln(o.Out)
	return err
}
