package runrecord

import (
	"fmt"
	"testing"
)

func TestNormalizeErrorGroupsEphemeralPorts(t *testing.T) {
	set := ErrorSet{}
	for port := 40000; port < 41000; port++ {
		set.Add(fmt.Sprintf("Get \"http://127.0.0.1:8080/x\": read tcp 127.0.0.1:%d->127.0.0.1:8080: read: connection reset by peer", port), 1)
		set.Add(fmt.Sprintf("Get \"http://[::1]:8080/x\": read tcp [::1]:%d->[::1]:8080: read: connection reset by peer", port), 1)
	}
	list := set.List()
	if len(list) != 2 || list[0].Count != 1000 || list[1].Count != 1000 {
		t.Fatalf("got %+v, want two groups of 1000", list)
	}
	if want := `Get "http://127.0.0.1:8080/x": read tcp *->127.0.0.1:8080: read: connection reset by peer`; list[0].Message != want && list[1].Message != want {
		t.Errorf("messages %q, %q; want one to be %q", list[0].Message, list[1].Message, want)
	}
}

func TestErrorSetIsBounded(t *testing.T) {
	set := ErrorSet{}
	for i := 0; i < 1000; i++ {
		set.Add(fmt.Sprintf("weird error kind %c%c", 'a'+i%26, 'a'+i/26), 1)
	}
	list := set.List()
	if len(list) != maxErrorKinds+1 {
		t.Fatalf("%d distinct errors kept, want %d + other", len(list), maxErrorKinds)
	}
	var total uint64
	for _, e := range list {
		total += e.Count
	}
	if total != 1000 || set[otherErrors] != 1000-maxErrorKinds {
		t.Errorf("total %d, other %d", total, set[otherErrors])
	}
}
