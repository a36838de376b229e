package loadprofile

import (
	"fmt"
	"strings"
)

// UnsetError is a ${NAME} whose variable is not set.
type UnsetError struct{ Name string }

func (e *UnsetError) Error() string {
	return fmt.Sprintf("${%s} is not set in the environment", e.Name)
}

// Expand substitutes ${NAME} in s with getenv(NAME) and returns the values
// it substituted (a caller treats them as secrets). $${ is a literal ${;
// a $ not followed by { is left alone, so URLs and bodies that hold one
// need no escaping. An unset variable is an *UnsetError, a ${ without its
// closing brace or with a name that is not [A-Za-z_][A-Za-z0-9_]* an
// error; neither quotes a value.
func Expand(s string, getenv func(string) (string, bool)) (string, []string, error) {
	if !strings.Contains(s, "${") {
		return s, nil, nil
	}
	var b strings.Builder
	var used []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), used, nil
		}
		if i > 0 && s[i-1] == '$' { // $${: a literal ${
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", nil, fmt.Errorf("${ without its closing }")
		}
		name := s[i+2 : i+2+end]
		if !validName(name) {
			return "", nil, fmt.Errorf("${%s}: a variable name is letters, digits and _, not starting with a digit", name)
		}
		v, ok := getenv(name)
		if !ok {
			return "", nil, &UnsetError{Name: name}
		}
		b.WriteString(v)
		if v != "" {
			used = append(used, v)
		}
		s = s[i+2+end+1:]
	}
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i, r := range n {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
