// Package warninglist checks indicator values against MISP-format
// warninglists: lists of well-known values that are usually false positives
// when they appear as indicators (public DNS resolvers, private address
// ranges, hashes of the empty file, popular domains, URL shorteners, ...).
//
// Parse (ParseFile, ParseReader) reads one list with strict validation: a
// structural error rejects the list with an *Error naming the file and the
// JSON path; a malformed entry is reported as a problem and the rest of the
// list is kept. A Set holds many lists (LoadDir, LoadFiles, Add), each of
// which can be disabled, and answers Check(kind, value) with the hits of
// the value, honouring each list's type and matching_attributes:
//
//	var set warninglist.Set
//	results, err := set.LoadDir("/path/to/misp-warninglists/lists")
//	// ... report results[i].Err and results[i].Problems ...
//	for _, h := range set.Check(warninglist.KindIP, "8.8.8.8") {
//		fmt.Printf("%s (%s): %s\n", h.List, h.File, h.Entry)
//	}
//
// The format, the semantics of each type and measured performance are
// described in docs/warninglists.md.
package warninglist
