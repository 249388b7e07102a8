package pattern

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of parentheses and brackets Parse accepts.
// Real patterns nest a handful of levels; the limit keeps hostile input from
// driving the recursive parser arbitrarily deep.
const MaxDepth = 100

// Parse parses and validates a STIX 2.1 pattern. On failure the error is an
// *Error carrying the byte offset of the problem.
func Parse(src string) (*Pattern, error) {
	p, err := parse(src)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// MustParse is like Parse but panics on error. For tests and constants.
func MustParse(src string) *Pattern {
	p, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return p
}

func parse(src string) (*Pattern, *Error) {
	if !utf8.ValidString(src) {
		for i := 0; i < len(src); {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, errorf(i, "invalid UTF-8 byte 0x%02x", src[i])
			}
			i += n
		}
	}
	p := &parser{lx: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errorf(p.tok.pos, "empty pattern: expected an observation expression such as [file:name = 'x']")
	}
	e, err := p.followedBy()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("expected AND, OR, FOLLOWEDBY or a qualifier (WITHIN, REPEATS, START)")
	}
	return &Pattern{Expr: e}, nil
}

type parser struct {
	lx    lexer
	tok   token
	depth int
}

func (p *parser) advance() *Error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) isKw(k keyword) bool { return p.tok.kind == tKeyword && p.tok.kw == k }

// unexpected reports the current token as not fitting; it adds a hint for
// keywords written in the wrong case, which the grammar does not accept.
func (p *parser) unexpected(expected string) *Error {
	msg := expected + ", found " + p.tok.describe()
	if p.tok.kind == tIdent {
		if _, ok := keywords[strings.ToUpper(p.tok.text)]; ok {
			msg += " (keywords must be written in upper case: " + strings.ToUpper(p.tok.text) + ")"
		}
	}
	return errorf(p.tok.pos, "%s", msg)
}

func (p *parser) enter() *Error {
	p.depth++
	if p.depth > MaxDepth {
		return errorf(p.tok.pos, "nesting deeper than %d levels", MaxDepth)
	}
	return nil
}

// ---- observation expressions ----

// followedBy := or (FOLLOWEDBY or)*
func (p *parser) followedBy() (Expr, *Error) {
	return p.obsChain(ObsFollowedBy, kwFollowedBy, p.obsOr)
}

// or := and (OR and)*
func (p *parser) obsOr() (Expr, *Error) {
	return p.obsChain(ObsOr, kwOr, p.obsAnd)
}

// and := qualified (AND qualified)*
func (p *parser) obsAnd() (Expr, *Error) {
	return p.obsChain(ObsAnd, kwAnd, p.qualified)
}

func (p *parser) obsChain(op ObsOp, kw keyword, sub func() (Expr, *Error)) (Expr, *Error) {
	first, err := sub()
	if err != nil {
		return nil, err
	}
	if !p.isKw(kw) {
		return first, nil
	}
	g := &ObsGroup{Op: op}
	g.add(first)
	for p.isKw(kw) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := sub()
		if err != nil {
			return nil, err
		}
		g.add(e)
	}
	return g, nil
}

// add appends e, splicing in the items of a same-operator group (from
// redundant parentheses) so that the tree stays flat and canonical.
func (g *ObsGroup) add(e Expr) {
	if s, ok := e.(*ObsGroup); ok && s.Op == g.Op {
		g.Items = append(g.Items, s.Items...)
		return
	}
	g.Items = append(g.Items, e)
}

func (g *CmpGroup) add(e CmpExpr) {
	if s, ok := e.(*CmpGroup); ok && s.Op == g.Op {
		g.Items = append(g.Items, s.Items...)
		return
	}
	g.Items = append(g.Items, e)
}

// qualified := primary qualifier*
func (p *parser) qualified() (Expr, *Error) {
	x, err := p.obsPrimary()
	if err != nil {
		return nil, err
	}
	var quals []Qualifier
	for p.isKw(kwWithin) || p.isKw(kwRepeats) || p.isKw(kwStart) {
		q, err := p.qualifier()
		if err != nil {
			return nil, err
		}
		for _, prev := range quals {
			if prev.Kind == q.Kind {
				return nil, errorf(q.Pos, "duplicate %s qualifier on the same observation expression", q.Kind)
			}
		}
		quals = append(quals, q)
	}
	if quals == nil {
		return x, nil
	}
	return &Qualified{X: x, Quals: quals}, nil
}

// primary := '[' comparison ']' | '(' followedBy ')'
func (p *parser) obsPrimary() (Expr, *Error) {
	switch p.tok.kind {
	case tLBrack:
		if err := p.enter(); err != nil {
			return nil, err
		}
		lb := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tRBrack {
			return nil, errorf(p.tok.pos, "empty observation expression: expected a comparison such as file:name = 'x'")
		}
		c, err := p.cmpOr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRBrack {
			return nil, p.unexpected("expected ']' after comparison, or AND/OR to join another comparison")
		}
		o := &Observation{Lbrack: lb, Rbrack: p.tok.pos, Cmp: c}
		p.depth--
		return o, p.advance()
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.followedBy()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("expected ')' to close the parenthesised observation expression")
		}
		p.depth--
		return e, p.advance()
	case tIdent:
		if p.lookLikePath() {
			return nil, errorf(p.tok.pos, "comparisons must be inside square brackets: expected '[' before %s", p.tok.describe())
		}
	}
	return nil, p.unexpected("expected '[' or '(' to start an observation expression")
}

// lookLikePath reports whether the source after the current identifier starts
// with ':', i.e. a comparison was written without its brackets.
func (p *parser) lookLikePath() bool {
	rest := p.lx.src[p.lx.off:]
	rest = strings.TrimLeft(rest, " \t\r\n")
	return strings.HasPrefix(rest, ":")
}

func (p *parser) qualifier() (Qualifier, *Error) {
	q := Qualifier{Pos: p.tok.pos}
	kw := p.tok.kw
	if err := p.advance(); err != nil {
		return q, err
	}
	switch kw {
	case kwWithin:
		q.Kind = Within
		if p.tok.kind != tInt && p.tok.kind != tFloat {
			return q, p.unexpected("expected a positive number of seconds after WITHIN")
		}
		f, err := strconv.ParseFloat(p.tok.text, 64)
		if err != nil || math.IsInf(f, 0) {
			return q, errorf(p.tok.pos, "WITHIN %s: number out of range", clip(p.tok.text))
		}
		if f <= 0 {
			return q, errorf(p.tok.pos, "WITHIN needs a positive number of seconds, not %s", p.tok.text)
		}
		q.Seconds = f
		if err := p.advance(); err != nil {
			return q, err
		}
		if !p.isKw(kwSeconds) {
			return q, p.unexpected("expected SECONDS after WITHIN " + strconv.FormatFloat(f, 'f', -1, 64) + " (SECONDS is the only unit)")
		}
	case kwRepeats:
		q.Kind = Repeats
		if p.tok.kind != tInt {
			return q, p.unexpected("expected a positive whole number after REPEATS")
		}
		if p.tok.lit.Kind == 0 {
			return q, errorf(p.tok.pos, "REPEATS %s: number out of range", clip(p.tok.text))
		}
		if p.tok.lit.Int <= 0 {
			return q, errorf(p.tok.pos, "REPEATS needs a positive whole number, not %s", p.tok.text)
		}
		q.Times = p.tok.lit.Int
		if err := p.advance(); err != nil {
			return q, err
		}
		if !p.isKw(kwTimes) {
			return q, p.unexpected("expected TIMES after REPEATS " + strconv.FormatInt(q.Times, 10))
		}
	case kwStart:
		q.Kind = StartStop
		if p.tok.kind != tTime {
			return q, p.unexpected("expected a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after START")
		}
		q.Start = p.tok.lit.Time
		if err := p.advance(); err != nil {
			return q, err
		}
		if !p.isKw(kwStop) {
			return q, p.unexpected("expected STOP after the START timestamp")
		}
		if err := p.advance(); err != nil {
			return q, err
		}
		if p.tok.kind != tTime {
			return q, p.unexpected("expected a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after STOP")
		}
		q.Stop = p.tok.lit.Time
		if !q.Stop.After(q.Start) {
			return q, errorf(p.tok.pos, "STOP timestamp must be later than the START timestamp")
		}
	}
	return q, p.advance()
}

// ---- comparison expressions ----

// cmpOr := cmpAnd (OR cmpAnd)*
func (p *parser) cmpOr() (CmpExpr, *Error) {
	return p.cmpChain(Or, kwOr, p.cmpAnd)
}

// cmpAnd := cmpPrimary (AND cmpPrimary)*
func (p *parser) cmpAnd() (CmpExpr, *Error) {
	return p.cmpChain(And, kwAnd, p.cmpPrimary)
}

func (p *parser) cmpChain(op BoolOp, kw keyword, sub func() (CmpExpr, *Error)) (CmpExpr, *Error) {
	first, err := sub()
	if err != nil {
		return nil, err
	}
	if !p.isKw(kw) {
		return first, nil
	}
	g := &CmpGroup{Op: op}
	g.add(first)
	for p.isKw(kw) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := sub()
		if err != nil {
			return nil, err
		}
		g.add(e)
	}
	return g, nil
}

// cmpPrimary := '(' cmpOr ')' | [NOT] EXISTS path | path [NOT] op value
func (p *parser) cmpPrimary() (CmpExpr, *Error) {
	start := p.tok.pos
	switch {
	case p.tok.kind == tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.cmpOr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("expected ')' to close the parenthesised comparison")
		}
		p.depth--
		return c, p.advance()
	case p.isKw(kwNot) || p.isKw(kwExists):
		c := &Comparison{Start: start, Op: OpExists}
		if p.isKw(kwNot) {
			c.Not = true
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.isKw(kwExists) {
				return nil, errorf(start, "NOT must follow the object path (file:name NOT = 'x') or precede EXISTS; it cannot negate a whole expression")
			}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		c.Path = path
		return c, nil
	case p.tok.kind == tIdent:
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		c := &Comparison{Start: start, Path: path}
		if err := p.operator(c); err != nil {
			return nil, err
		}
		return c, nil
	case p.tok.kind == tRBrack:
		return nil, p.unexpected("expected a comparison after AND/OR")
	}
	return nil, p.unexpected("expected a comparison (an object path such as file:name, EXISTS, or '(')")
}

// operator parses "[NOT] op value" into c and validates the value.
func (p *parser) operator(c *Comparison) *Error {
	if p.isKw(kwNot) {
		c.Not = true
		if err := p.advance(); err != nil {
			return err
		}
	}
	opPos := p.tok.pos
	switch p.tok.kind {
	case tEq:
		c.Op = OpEq
	case tNeq:
		c.Op = OpNeq
	case tLt:
		c.Op = OpLt
	case tLe:
		c.Op = OpLe
	case tGt:
		c.Op = OpGt
	case tGe:
		c.Op = OpGe
	case tKeyword:
		switch p.tok.kw {
		case kwIn:
			c.Op = OpIn
		case kwLike:
			c.Op = OpLike
		case kwMatches:
			c.Op = OpMatches
		case kwIsSubset:
			c.Op = OpIsSubset
		case kwIsSuperset:
			c.Op = OpIsSuperset
		case kwExists:
			return errorf(opPos, "EXISTS goes before the object path: EXISTS %s", c.Path)
		case kwNot:
			return errorf(opPos, "NOT written twice")
		}
	}
	if c.Op == 0 {
		return p.unexpected("expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after " + c.Path.String())
	}
	if err := p.advance(); err != nil {
		return err
	}
	if c.Op == OpIn {
		return p.set(c)
	}
	v, err := p.literal(c.Op)
	if err != nil {
		return err
	}
	c.Value = v
	return validateComparison(c)
}

// literal parses one literal value as the right-hand side of op.
func (p *parser) literal(op Operator) (Literal, *Error) {
	t := p.tok
	var l Literal
	switch t.kind {
	case tString, tBool, tTime, tHex, tBinary, tFloat:
		l = t.lit
	case tInt:
		if t.lit.Kind == 0 {
			return l, errorf(t.pos, "integer %s is out of range (64-bit)", clip(t.text))
		}
		l = t.lit
	case tLParen:
		if op == OpEq || op == OpNeq {
			return l, errorf(t.pos, "a set of values needs IN, not %s", op)
		}
		fallthrough
	default:
		what := "a value (string, number, boolean, t'timestamp', h'hex' or b'base64')"
		if op != 0 && op != OpIn {
			what = "a value after " + op.String()
		}
		if t.kind == tIdent {
			return l, errorf(t.pos, "expected %s, found %s (strings must be in single quotes)", what, t.describe())
		}
		return l, p.unexpected("expected " + what)
	}
	switch op {
	case OpLt, OpLe, OpGt, OpGe:
		if l.Kind == LitBool {
			return l, errorf(t.pos, "%s needs an orderable value (number, string, timestamp, hex or binary), not a boolean", op)
		}
	case OpLike, OpMatches, OpIsSubset, OpIsSuperset:
		if l.Kind != LitString {
			return l, errorf(t.pos, "%s needs a string literal, found %s", op, t.describe())
		}
	}
	return l, p.advance()
}

// set parses "( [value (, value)*] )" for IN.
func (p *parser) set(c *Comparison) *Error {
	if p.tok.kind != tLParen {
		return p.unexpected("expected '(' to start the set of values after IN")
	}
	if err := p.advance(); err != nil {
		return err
	}
	c.Set = []Literal{}
	if p.tok.kind == tRParen {
		return p.advance()
	}
	for {
		v, err := p.literal(OpIn)
		if err != nil {
			return err
		}
		c.Set = append(c.Set, v)
		if p.tok.kind == tRParen {
			break
		}
		if p.tok.kind != tComma {
			return p.unexpected("expected ',' or ')' in the set of values")
		}
		if err := p.advance(); err != nil {
			return err
		}
	}
	if err := validateComparison(c); err != nil {
		return err
	}
	return p.advance()
}

// objectPath := type ':' key ( '.' key | '[' index ']' )*
func (p *parser) objectPath() (ObjectPath, *Error) {
	var op ObjectPath
	if p.tok.kind != tIdent {
		if p.tok.kind == tKeyword || p.tok.kind == tBool {
			return op, errorf(p.tok.pos, "expected an object type, found %s", p.tok.describe())
		}
		return op, p.unexpected("expected an object path such as file:name")
	}
	op.Pos = p.tok.pos
	op.Type = p.tok.text
	if msg := checkTypeName(op.Type); msg != "" {
		return op, errorf(p.tok.pos, "invalid object type %q: %s", clip(op.Type), msg)
	}
	if err := p.advance(); err != nil {
		return op, err
	}
	if p.tok.kind != tColon {
		if p.tok.kind == tDot {
			return op, errorf(p.tok.pos, "expected ':' between the object type and the property (%s:...), found '.'", op.Type)
		}
		return op, p.unexpected("expected ':' after the object type " + op.Type)
	}
	if err := p.advance(); err != nil {
		return op, err
	}
	first, err := p.key(true)
	if err != nil {
		return op, err
	}
	op.Steps = append(op.Steps, first)
	for {
		switch p.tok.kind {
		case tDot:
			if err := p.advance(); err != nil {
				return op, err
			}
			s, err := p.key(false)
			if err != nil {
				return op, err
			}
			op.Steps = append(op.Steps, s)
			continue
		case tLBrack:
			s := Step{Pos: p.tok.pos}
			if err := p.advance(); err != nil {
				return op, err
			}
			switch p.tok.kind {
			case tStar:
				s.Kind = StepAnyIndex
			case tInt:
				if p.tok.lit.Kind == 0 || p.tok.lit.Int != int64(int(p.tok.lit.Int)) {
					return op, errorf(p.tok.pos, "list index %s is out of range", clip(p.tok.text))
				}
				s.Kind = StepIndex
				s.Index = int(p.tok.lit.Int)
			default:
				return op, p.unexpected("expected a list index (a whole number or *) after '['")
			}
			if err := p.advance(); err != nil {
				return op, err
			}
			if p.tok.kind != tRBrack {
				return op, p.unexpected("expected ']' after the list index")
			}
			if err := p.advance(); err != nil {
				return op, err
			}
			op.Steps = append(op.Steps, s)
			continue
		}
		return op, nil
	}
}

// key parses a property name or dictionary key: an identifier without
// hyphens, or a quoted string.
func (p *parser) key(first bool) (Step, *Error) {
	s := Step{Pos: p.tok.pos, Kind: StepKey}
	what := "property name or dictionary key"
	if first {
		what = "property name"
	}
	switch p.tok.kind {
	case tIdent:
		s.Key = p.tok.text
		if strings.Contains(s.Key, "-") {
			return s, errorf(p.tok.pos, "%q contains '-': quote property names and keys that contain hyphens, as in '%s'", clip(s.Key), clip(s.Key))
		}
		if len(s.Key) > 250 {
			return s, errorf(p.tok.pos, "property name longer than 250 characters")
		}
	case tString:
		s.Key = p.tok.lit.Str
		if msg := checkQuotedKey(s.Key, first); msg != "" {
			return s, errorf(p.tok.pos, "invalid %s %s: %s", what, quoteString(clip(s.Key)), msg)
		}
	case tKeyword, tBool:
		return s, errorf(p.tok.pos, "%s is a reserved word; quote it to use it as a %s: '%s'", p.tok.text, what, p.tok.text)
	default:
		return s, p.unexpected("expected a " + what)
	}
	return s, p.advance()
}
