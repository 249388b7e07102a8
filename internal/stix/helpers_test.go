package stix

import (
	"errors"
	"strconv"

	"sakimori/internal/stix/pattern"
)

func patternParse(src string) (*pattern.Pattern, *pattern.Error) {
	p, err := pattern.Parse(src)
	var pe *pattern.Error
	if errors.As(err, &pe) {
		return p, pe
	}
	return p, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
