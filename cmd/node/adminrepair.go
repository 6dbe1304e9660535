package node

import (
	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/admin"
)

// repairOf is the admin API's view of the object layer's anti-entropy status.
func repairOf(st blob.SyncStatus) *admin.RepairStatus {
	out := &admin.RepairStatus{
		SyncedVersion: st.SyncedVersion, Running: st.Running, Rounds: st.Rounds,
		LastDurationMs: st.LastDuration.Milliseconds(), LastError: st.LastError,
		PartitionsPending: st.PartitionsPending, BlockPartitionsPending: st.BlockPartitionsPending, BlocksPending: st.BlocksPending,
		RecordsPulled: st.RecordsPulled, RecordsPushed: st.RecordsPushed, RecordsHandedOff: st.RecordsHandedOff,
		BlocksPulled: st.BlocksPulled, BlocksPushed: st.BlocksPushed, BlocksHandedOff: st.BlocksHandedOff,
	}
	if !st.LastStart.IsZero() {
		t := st.LastStart.UTC()
		out.LastStart = &t
	}
	return out
}
