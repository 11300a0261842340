package delimited

import (
	"hash/maphash"
	"strings"
)

// groupKeys remembers the key of every group of a file and the line its
// first row is on, to find a group whose rows are not together. The keys
// lie back to back in one byte slice and are found by a hash, so none of
// it holds a pointer and the garbage collector need not scan it at every
// collection, as it did a map of strings. It takes as much memory as that
// map (~18 MB for 250 000 groups, with the slack of growing). A key whose
// hash clashes with an earlier one is kept apart, so the answer is exact.
type groupKeys struct {
	hash    func(string) uint64
	index   map[uint64]int // hash of a key -> its entry
	entries []groupEntry
	text    []byte         // the keys, in entry order
	clashes map[string]int // keys whose hash an earlier, different key has
}

// groupEntry is one key: it ends at end in text, where the previous one
// ends it begins.
type groupEntry struct {
	end  int
	line int
}

func newGroupKeys() *groupKeys {
	seed := maphash.MakeSeed()
	return &groupKeys{
		hash:  func(s string) uint64 { return maphash.String(seed, s) },
		index: make(map[uint64]int),
	}
}

// firstOrAdd returns the line of the first row of the group key if it
// was seen, and otherwise remembers it as first seen on line.
func (k *groupKeys) firstOrAdd(key string, line int) (int, bool) {
	h := k.hash(key)
	i, ok := k.index[h]
	if !ok {
		k.text = append(k.text, key...)
		k.entries = append(k.entries, groupEntry{end: len(k.text), line: line})
		k.index[h] = len(k.entries) - 1
		return 0, false
	}
	if string(k.key(i)) == key {
		return k.entries[i].line, true
	}
	if at, ok := k.clashes[key]; ok {
		return at, true
	}
	if k.clashes == nil {
		k.clashes = make(map[string]int)
	}
	k.clashes[strings.Clone(key)] = line
	return 0, false
}

// key returns entry i's key, in place.
func (k *groupKeys) key(i int) []byte {
	start := 0
	if i > 0 {
		start = k.entries[i-1].end
	}
	return k.text[start:k.entries[i].end]
}
