package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    []string
		pos     []string
		json    bool
		name    string
		wantErr string
	}{
		{[]string{"REF"}, []string{"REF"}, false, "", ""},
		{[]string{"REF", "--json"}, []string{"REF"}, true, "", ""},
		{[]string{"--json", "REF", "--name", "x"}, []string{"REF"}, true, "x", ""},
		{[]string{"A", "--name=y", "B"}, []string{"A", "B"}, false, "y", ""},
		{[]string{"--", "--json"}, []string{"--json"}, false, "", ""},
		{[]string{"A", "--", "--name", "z"}, []string{"A", "--name", "z"}, false, "", ""},
		{[]string{"--nope"}, nil, false, "", "unknown flag --nope"},
		{[]string{"A", "--name"}, nil, false, "", "--name: needs a value"},
		{[]string{"--json=maybe"}, nil, false, "", `--json: invalid value "maybe": parse error`},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		js := fs.Bool("json", false, "")
		name := fs.String("name", "", "")
		pos, err := parseArgs(fs, tt.args)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%v: error %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(pos, tt.pos) || *js != tt.json || *name != tt.name {
			t.Errorf("%v: pos %q json %v name %q err %v", tt.args, pos, *js, *name, err)
		}
	}
}

func TestFlagFor(t *testing.T) {
	c := &command{fields: orgFields}
	for field, want := range map[string]string{"slug": "--slug", "name.ja": "--name-ja",
		"emergency_contact.phone": "--contact-phone", "unknown": "", "": ""} {
		if got := c.flagFor(field); got != want {
			t.Errorf("flagFor(%q) = %q, want %q", field, got, want)
		}
	}
	c = &command{fields: userFields}
	if got := c.flagFor("roles[2]"); got != "--roles" {
		t.Errorf("flagFor(roles[2]) = %q", got)
	}
}

// Every command answers --help with its usage and exit status 0.
func TestEveryCommandHasHelp(t *testing.T) {
	for path := range commands {
		var out, errb bytes.Buffer
		args := append(strings.Fields(path), "--help")
		code := Run(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
		if code != 0 || !strings.HasPrefix(out.String(), "Usage: sakimori "+path) {
			t.Errorf("%s --help: exit %d\n%s%s", path, code, out.String(), errb.String())
		}
		if c := commands[path]; c.summary == "" {
			t.Errorf("%s has no summary", path)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "plain",
		"evil\x1b[2Jx":  "evil\uFFFD[2Jx",
		"new\nline":     "new\uFFFDline",
		"東都電力":          "東都電力",
		"0123456789abc": "0123456789…",
	} {
		if got := clean(in, 10); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}
