package pattern

import (
	"time"
)

// Pattern is a parsed and validated STIX 2.1 pattern.
//
// The tree is canonical: redundant parentheses are not kept, and chains of the
// same operator are flattened into one group (AND, OR and FOLLOWEDBY are
// associative), so two patterns that differ only in spacing, comments,
// keyword spelling of operators ("==" vs "=", "<>" vs "!="), quoting of
// property names that need no quotes, or redundant parentheses produce equal
// trees and print identically.
type Pattern struct {
	Expr Expr
}

// Node is any node of the tree that Inspect visits: the observation
// expressions (*Observation, *ObsGroup, *Qualified) and the comparison
// expressions (*CmpGroup, *Comparison).
type Node interface {
	// Pos is the byte offset of the node's first token in the parsed text.
	Pos() int
}

// Expr is an observation expression: *Observation, *ObsGroup or *Qualified.
type Expr interface {
	Node
	exprNode()
}

// CmpExpr is a comparison expression inside an observation's brackets:
// *Comparison or *CmpGroup.
type CmpExpr interface {
	Node
	cmpNode()
}

// Observation is "[ comparison-expression ]": it matches one observed-data
// object (or one SCO graph) satisfying Cmp.
type Observation struct {
	Lbrack int // offset of '['
	Rbrack int // offset of ']'
	Cmp    CmpExpr
}

// ObsOp is an observation operator.
type ObsOp uint8

// Observation operators, from the loosest to the tightest binding.
const (
	ObsFollowedBy ObsOp = iota + 1 // every item, in order in time
	ObsOr                          // at least one item
	ObsAnd                         // every item, in any order
)

func (o ObsOp) String() string {
	switch o {
	case ObsFollowedBy:
		return "FOLLOWEDBY"
	case ObsOr:
		return "OR"
	case ObsAnd:
		return "AND"
	}
	return "?"
}

// ObsGroup joins two or more observation expressions with one operator. The
// parser never nests a group directly inside a group with the same operator.
type ObsGroup struct {
	Op    ObsOp
	Items []Expr
}

// QualifierKind tells which qualifier a Qualifier is.
type QualifierKind uint8

// Qualifier kinds.
const (
	Within    QualifierKind = iota + 1 // WITHIN n SECONDS
	Repeats                            // REPEATS n TIMES
	StartStop                          // START t'...' STOP t'...'
)

func (k QualifierKind) String() string {
	switch k {
	case Within:
		return "WITHIN"
	case Repeats:
		return "REPEATS"
	case StartStop:
		return "START/STOP"
	}
	return "?"
}

// Qualifier restricts the observations that may satisfy an expression.
type Qualifier struct {
	Pos     int // offset of the keyword (WITHIN, REPEATS or START)
	Kind    QualifierKind
	Seconds float64   // Within: > 0 (the grammar allows decimals)
	Times   int64     // Repeats: > 0
	Start   time.Time // StartStop, UTC; Start is before Stop
	Stop    time.Time
}

// Duration is the WITHIN window as a time.Duration, saturating at the largest
// representable duration.
func (q Qualifier) Duration() time.Duration {
	const limit = float64(1<<63 - 1)
	ns := q.Seconds * float64(time.Second)
	if ns >= limit {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(ns)
}

// Qualified applies one or more qualifiers, in source order, to X. Each kind
// appears at most once in Quals; a qualified expression that is qualified
// again (only possible with parentheses) nests as X.
type Qualified struct {
	X     Expr
	Quals []Qualifier
}

// BoolOp joins comparison expressions.
type BoolOp uint8

// Comparison-expression operators; AND binds tighter than OR.
const (
	Or BoolOp = iota + 1
	And
)

func (o BoolOp) String() string {
	switch o {
	case Or:
		return "OR"
	case And:
		return "AND"
	}
	return "?"
}

// CmpGroup joins two or more comparison expressions with AND or OR. The
// parser never nests a group directly inside a group with the same operator.
type CmpGroup struct {
	Op    BoolOp
	Items []CmpExpr
}

// Operator is a comparison operator.
type Operator uint8

// Comparison operators.
const (
	OpEq         Operator = iota + 1 // =  (also written ==)
	OpNeq                            // != (also written <>)
	OpLt                             // <
	OpLe                             // <=
	OpGt                             // >
	OpGe                             // >=
	OpIn                             // IN (set)
	OpLike                           // LIKE 'sql-like pattern'
	OpMatches                        // MATCHES 'regex'
	OpIsSubset                       // ISSUBSET 'cidr'
	OpIsSuperset                     // ISSUPERSET 'cidr'
	OpExists                         // EXISTS path
)

var opNames = [...]string{
	OpEq: "=", OpNeq: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpIn: "IN", OpLike: "LIKE", OpMatches: "MATCHES", OpIsSubset: "ISSUBSET",
	OpIsSuperset: "ISSUPERSET", OpExists: "EXISTS",
}

func (o Operator) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "?"
}

// Comparison is one property test: "path [NOT] op value", "path [NOT] IN
// (set)" or "[NOT] EXISTS path".
type Comparison struct {
	Start int // offset of the first token (the path, or NOT/EXISTS)
	Path  ObjectPath
	Not   bool
	Op    Operator
	Value Literal   // for every operator except OpIn and OpExists
	Set   []Literal // for OpIn (may be empty)
}

// StepKind tells what a path step is.
type StepKind uint8

// Path step kinds.
const (
	StepKey      StepKind = iota + 1 // .name or .'quoted name' (the first step is the property)
	StepIndex                        // [n]
	StepAnyIndex                     // [*]
)

// Step is one component of an object path after the object type.
type Step struct {
	Pos   int
	Kind  StepKind
	Key   string // StepKey: the (unquoted) property or dictionary key
	Index int    // StepIndex: the list index as written (the grammar allows negatives)
}

// ObjectPath is "type:property" followed by further steps. Steps[0] is always
// a StepKey naming a top-level property of the object type.
type ObjectPath struct {
	Pos   int
	Type  string
	Steps []Step
}

// LitKind is the type of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitString    LitKind = iota + 1 // 'text'
	LitInt                          // 42, -7
	LitFloat                        // 7.0, -.5
	LitBool                         // true, false
	LitTimestamp                    // t'2016-06-01T00:00:00Z'
	LitHex                          // h'ffd8'
	LitBinary                       // b'aGk='
)

func (k LitKind) String() string {
	switch k {
	case LitString:
		return "string"
	case LitInt:
		return "integer"
	case LitFloat:
		return "float"
	case LitBool:
		return "boolean"
	case LitTimestamp:
		return "timestamp"
	case LitHex:
		return "hex"
	case LitBinary:
		return "binary"
	}
	return "?"
}

// Literal is a constant value. Exactly the field matching Kind is meaningful:
// Str for strings (escapes resolved), Int, Float, Bool, Time (UTC) for
// timestamps, and Bytes (decoded) for hex and binary literals.
type Literal struct {
	Pos   int
	Kind  LitKind
	Str   string
	Int   int64
	Float float64
	Bool  bool
	Time  time.Time
	Bytes []byte
}

func (o *Observation) Pos() int { return o.Lbrack }
func (g *ObsGroup) Pos() int {
	if len(g.Items) == 0 {
		return 0
	}
	return g.Items[0].Pos()
}
func (q *Qualified) Pos() int { return q.X.Pos() }
func (g *CmpGroup) Pos() int {
	if len(g.Items) == 0 {
		return 0
	}
	return g.Items[0].Pos()
}
func (c *Comparison) Pos() int { return c.Start }

func (*Observation) exprNode() {}
func (*ObsGroup) exprNode()    {}
func (*Qualified) exprNode()   {}
func (*CmpGroup) cmpNode()     {}
func (*Comparison) cmpNode()   {}

// Inspect traverses the tree rooted at n in depth-first order, calling f for
// each node; it stops descending below a node for which f returns false.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Observation:
		Inspect(n.Cmp, f)
	case *ObsGroup:
		for _, it := range n.Items {
			Inspect(it, f)
		}
	case *Qualified:
		Inspect(n.X, f)
	case *CmpGroup:
		for _, it := range n.Items {
			Inspect(it, f)
		}
	}
}

// Comparisons returns every comparison of the pattern in source order.
func (p *Pattern) Comparisons() []*Comparison {
	var out []*Comparison
	Inspect(p.Expr, func(n Node) bool {
		if c, ok := n.(*Comparison); ok {
			out = append(out, c)
		}
		return true
	})
	return out
}

// Equal reports whether p and q are the same pattern (positions ignored).
// Because printing is canonical and parsing its output gives back the same
// tree, two trees are equal exactly when they print the same.
func (p *Pattern) Equal(q *Pattern) bool {
	if p == nil || q == nil {
		return p == q
	}
	return p.String() == q.String()
}
