package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// String prints the pattern in canonical form: single spaces around
// operators, upper-case keywords, '=' and '!=', property names quoted only
// when they must be, parentheses only where precedence requires them,
// timestamps as t'YYYY-MM-DDTHH:MM:SS[.fraction]Z' without trailing zeros,
// hex in lower case, and floats always with a decimal point. Parsing the
// output gives back an equal tree.
func (p *Pattern) String() string {
	if p == nil || p.Expr == nil {
		return ""
	}
	var b strings.Builder
	writeExpr(&b, p.Expr)
	return b.String()
}

func (o *Observation) String() string { return exprString(o) }
func (g *ObsGroup) String() string    { return exprString(g) }
func (q *Qualified) String() string   { return exprString(q) }

func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func (c *Comparison) String() string {
	var b strings.Builder
	writeCmp(&b, c)
	return b.String()
}

func (g *CmpGroup) String() string {
	var b strings.Builder
	writeCmp(&b, g)
	return b.String()
}

// obsPrec ranks observation expressions: groups by operator, and 4 for
// anything that is a unit (an observation or a qualified expression).
func obsPrec(e Expr) int {
	if g, ok := e.(*ObsGroup); ok && len(g.Items) > 1 {
		return int(g.Op)
	}
	return 4
}

func writeExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *Observation:
		b.WriteByte('[')
		writeCmp(b, e.Cmp)
		b.WriteByte(']')
	case *ObsGroup:
		if len(e.Items) == 1 {
			writeExpr(b, e.Items[0])
			return
		}
		for i, it := range e.Items {
			if i > 0 {
				b.WriteByte(' ')
				b.WriteString(e.Op.String())
				b.WriteByte(' ')
			}
			paren := obsPrec(it) <= int(e.Op)
			if paren {
				b.WriteByte('(')
			}
			writeExpr(b, it)
			if paren {
				b.WriteByte(')')
			}
		}
	case *Qualified:
		_, simple := e.X.(*Observation)
		if !simple {
			if g, ok := e.X.(*ObsGroup); ok && len(g.Items) == 1 {
				_, simple = g.Items[0].(*Observation)
			}
		}
		if !simple {
			b.WriteByte('(')
		}
		writeExpr(b, e.X)
		if !simple {
			b.WriteByte(')')
		}
		for _, q := range e.Quals {
			b.WriteByte(' ')
			q.write(b)
		}
	}
}

func (q Qualifier) String() string {
	var b strings.Builder
	q.write(&b)
	return b.String()
}

func (q Qualifier) write(b *strings.Builder) {
	switch q.Kind {
	case Within:
		b.WriteString("WITHIN ")
		b.WriteString(strconv.FormatFloat(q.Seconds, 'f', -1, 64))
		b.WriteString(" SECONDS")
	case Repeats:
		b.WriteString("REPEATS ")
		b.WriteString(strconv.FormatInt(q.Times, 10))
		b.WriteString(" TIMES")
	case StartStop:
		b.WriteString("START ")
		Literal{Kind: LitTimestamp, Time: q.Start}.write(b)
		b.WriteString(" STOP ")
		Literal{Kind: LitTimestamp, Time: q.Stop}.write(b)
	}
}

func cmpPrec(c CmpExpr) int {
	if g, ok := c.(*CmpGroup); ok && len(g.Items) > 1 {
		return int(g.Op)
	}
	return 3
}

func writeCmp(b *strings.Builder, c CmpExpr) {
	switch c := c.(type) {
	case *CmpGroup:
		if len(c.Items) == 1 {
			writeCmp(b, c.Items[0])
			return
		}
		for i, it := range c.Items {
			if i > 0 {
				b.WriteByte(' ')
				b.WriteString(c.Op.String())
				b.WriteByte(' ')
			}
			paren := cmpPrec(it) <= int(c.Op)
			if paren {
				b.WriteByte('(')
			}
			writeCmp(b, it)
			if paren {
				b.WriteByte(')')
			}
		}
	case *Comparison:
		if c.Op == OpExists {
			if c.Not {
				b.WriteString("NOT ")
			}
			b.WriteString("EXISTS ")
			c.Path.write(b)
			return
		}
		c.Path.write(b)
		b.WriteByte(' ')
		if c.Not {
			b.WriteString("NOT ")
		}
		b.WriteString(c.Op.String())
		b.WriteByte(' ')
		if c.Op == OpIn {
			b.WriteByte('(')
			for i, v := range c.Set {
				if i > 0 {
					b.WriteString(", ")
				}
				v.write(b)
			}
			b.WriteByte(')')
			return
		}
		c.Value.write(b)
	}
}

// String prints the path canonically, e.g. file:hashes.'SHA-256' or
// network-traffic:extensions.'http-request-ext'.request_header.Host.
func (p ObjectPath) String() string {
	var b strings.Builder
	p.write(&b)
	return b.String()
}

func (p ObjectPath) write(b *strings.Builder) {
	b.WriteString(p.Type)
	for i, s := range p.Steps {
		switch s.Kind {
		case StepKey:
			if i == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte('.')
			}
			writeKey(b, s.Key)
		case StepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
		case StepAnyIndex:
			b.WriteString("[*]")
		}
	}
}

// writeKey writes a property name or key, quoted unless it is a plain
// identifier that is not a reserved word.
func writeKey(b *strings.Builder, k string) {
	plain := k != "" && isIdentStart(k[0])
	for i := 1; plain && i < len(k); i++ {
		plain = isIdentStart(k[i]) || isDigit(k[i])
	}
	if plain {
		if _, kw := keywords[k]; kw || k == "true" || k == "false" {
			plain = false
		}
	}
	if plain {
		b.WriteString(k)
		return
	}
	writeQuoted(b, k)
}

func quoteString(s string) string {
	var b strings.Builder
	writeQuoted(&b, s)
	return b.String()
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for {
		i := strings.IndexAny(s, `'\`)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte('\\')
		b.WriteByte(s[i])
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('\'')
}

// String prints the literal as it appears in a canonical pattern.
func (l Literal) String() string {
	var b strings.Builder
	l.write(&b)
	return b.String()
}

func (l Literal) write(b *strings.Builder) {
	switch l.Kind {
	case LitString:
		writeQuoted(b, l.Str)
	case LitInt:
		b.WriteString(strconv.FormatInt(l.Int, 10))
	case LitFloat:
		s := strconv.FormatFloat(l.Float, 'f', -1, 64)
		b.WriteString(s)
		if !strings.Contains(s, ".") {
			b.WriteString(".0")
		}
	case LitBool:
		b.WriteString(strconv.FormatBool(l.Bool))
	case LitTimestamp:
		b.WriteString("t'")
		b.WriteString(l.Time.UTC().Format("2006-01-02T15:04:05.999999999Z"))
		b.WriteByte('\'')
	case LitHex:
		b.WriteString("h'")
		b.WriteString(hex.EncodeToString(l.Bytes))
		b.WriteByte('\'')
	case LitBinary:
		b.WriteString("b'")
		b.WriteString(base64.StdEncoding.EncodeToString(l.Bytes))
		b.WriteByte('\'')
	}
}
