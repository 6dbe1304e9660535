package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/lifecycle"
)

// lifecycleCommand runs the lifecycle engine on the node --endpoint names now, or
// with "status" shows its progress, last run and totals.
func (a *adminCLI) lifecycleCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lifecycle",
		Short: "Run the lifecycle engine on the node now (the partitions it leads)",
		Long: "Run (or resume) one pass of the lifecycle engine on the node at --endpoint: apply the buckets'\n" +
			"lifecycle rules to the partitions of which that node is the first live owner. Each node leads its\n" +
			"own share of the partitions; call every node's admin address to cover the whole cluster at once.",
		Args: cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			r, err := s.c.RunLifecycle(s.ctx)
			if err != nil {
				return err
			}
			return s.print(r, func(w io.Writer) { lifecycleRows(w, r) })
		}),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the node's lifecycle run in progress, its last run and its totals",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			st, err := s.c.Lifecycle(s.ctx)
			if err != nil {
				return err
			}
			return s.print(st, func(w io.Writer) {
				rows(w, "Node", st.Node,
					"Running", fmt.Sprint(st.Progress.Running),
					"Partitions done", fmt.Sprintf("%d of %d", st.Progress.PartitionsDone, st.Progress.PartitionsLed))
				lifecycleRows(w, st.Last)
				t := st.Totals
				rows(w,
					"Runs since start", fmt.Sprint(t.Runs),
					"Expired since start", fmt.Sprint(t.Expired),
					"Noncurrent removed since start", fmt.Sprint(t.NoncurrentRemoved),
					"Delete markers removed since start", fmt.Sprint(t.DeleteMarkersRemoved),
					"Uploads aborted since start", fmt.Sprint(t.UploadsAborted),
					"Bytes freed since start", fmt.Sprint(t.BytesFreed),
					"Locked since start", fmt.Sprint(t.Locked))
			})
		}),
	})
	return cmd
}

func lifecycleRows(w io.Writer, r lifecycle.Result) {
	rows(w,
		"Started", r.Start.UTC().Format("2006-01-02 15:04:05Z"),
		"Duration", r.Duration.String(),
		"Partitions", fmt.Sprint(r.Partitions),
		"Versions scanned", fmt.Sprint(r.Scanned),
		"Expired", fmt.Sprint(r.Expired),
		"Noncurrent removed", fmt.Sprint(r.NoncurrentRemoved),
		"Delete markers removed", fmt.Sprint(r.DeleteMarkersRemoved),
		"Uploads aborted", fmt.Sprint(r.UploadsAborted),
		"Bytes freed", fmt.Sprint(r.BytesFreed),
		"Locked (kept)", fmt.Sprint(r.Locked),
		"Error", orDash(r.Error))
}
