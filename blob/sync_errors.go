package blob

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// roundErrors collects the failures of one part of an anti-entropy round, summarized
// per peer: how many exchanges with it failed, and the first error. With a peer down
// or still starting, a round fails one exchange per partition it shares with that
// peer, hundreds of them; listing each made log lines and sync reports of tens of KB.
type roundErrors struct {
	what string // "record partitions", "block partitions"

	mu     sync.Mutex
	byPeer map[string]*peerFailures
}

// peerFailures is the summary of one peer's failures in a round.
type peerFailures struct {
	n     int
	first error
}

// maxErrorText bounds the first error's text in a summary: another node's answer can
// be long.
const maxErrorText = 300

// add records that the exchange of partition p (or -1) with peer (or "" for this
// node's own work) failed with err.
func (e *roundErrors) add(peer string, p int, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byPeer == nil {
		e.byPeer = map[string]*peerFailures{}
	}
	f := e.byPeer[peer]
	if f == nil {
		f = &peerFailures{}
		e.byPeer[peer] = f
	}
	f.n++
	if f.first == nil {
		if p >= 0 {
			err = fmt.Errorf("partition %d: %w", p, err)
		}
		f.first = err
	}
}

// err returns the summary, one line per peer in name order; nil if nothing failed.
func (e *roundErrors) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.byPeer) == 0 {
		return nil
	}
	var out []error
	for _, peer := range slices.Sorted(maps.Keys(e.byPeer)) {
		f := e.byPeer[peer]
		who := "node " + peer
		if peer == "" {
			who = "this node"
		}
		out = append(out, &RoundError{What: e.what, Peer: peer, Failed: f.n, First: f.first,
			msg: fmt.Sprintf("%s with %s: %d failed, first: %s", e.what, who, f.n, truncate(f.first.Error(), maxErrorText))})
	}
	return errors.Join(out...)
}

// RoundError summarizes, in an anti-entropy round's error, the failures with one
// peer: errors.As finds it in SyncNow's error.
type RoundError struct {
	What   string // what was exchanged: "record partitions" or "block partitions"
	Peer   string // the peer's node id; "" for this node's own work (hand-offs, its index)
	Failed int    // how many exchanges failed
	First  error  // the first failure
	msg    string
}

func (e *RoundError) Error() string { return e.msg }
func (e *RoundError) Unwrap() error { return e.First }

// failingPeers returns the peers an anti-entropy round's error names, sorted, each
// once ("" for this node's own work and any error that names no peer).
func failingPeers(err error) []string {
	var peers []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		peer := ""
		if re, ok := err.(*RoundError); ok {
			peer = re.Peer
		}
		if !slices.Contains(peers, peer) {
			peers = append(peers, peer)
		}
	}
	walk(err)
	slices.Sort(peers)
	return peers
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
