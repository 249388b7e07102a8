package pattern

import "fmt"

// Error is the error returned for a pattern that cannot be parsed or fails
// validation. Pos is the 0-based byte offset into the pattern text where the
// problem was found; Msg says what is wrong in words a human can act on.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("pattern: at %d: %s", e.Pos, e.Msg)
}

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
