// Package pattern parses, validates, prints and analyses STIX 2.1 patterns
// (STIX 2.1 specification, section 9 "STIX Patterning"), the language of the
// pattern property of Indicator objects whose pattern_type is "stix".
//
// Parse is a hand-written recursive-descent parser for the grammar of the
// OASIS STIXPattern.g4 (version 2.1): observation expressions in brackets
// joined by AND, OR and FOLLOWEDBY (binding from tightest to loosest in that
// order, all left-associative) with the qualifiers WITHIN n SECONDS, REPEATS n
// TIMES and START t'..' STOP t'..'; comparison expressions joined by AND
// (tighter) and OR; every comparison operator (=, !=, <, <=, >, >=, IN, LIKE,
// MATCHES, ISSUBSET, ISSUPERSET, EXISTS, each optionally negated with NOT);
// object paths with nested properties, quoted keys and list indexes; and every
// literal type. Beyond the grammar it enforces the rules of the specification
// that the grammar cannot express (type and property name syntax, valid
// calendar dates, START before STOP, positive WITHIN and REPEATS, one
// qualifier of each kind per expression, MATCHES expressions that compile,
// addresses for ISSUBSET/ISSUPERSET, well-formed values for well-known
// hashes). Errors are *Error values carrying the byte offset of the problem.
//
// The tree is canonical and Pattern.String prints it back canonically;
// parsing the printed text yields an equal tree.
//
// Pattern.Atoms extracts the concrete values (addresses, CIDR blocks, domain
// names, URLs, e-mail addresses, hashes) a matching engine can index, and
// says for each whether it decides the match on its own. See
// docs/stix-patterns.md for the full description and the limitations.
package pattern
