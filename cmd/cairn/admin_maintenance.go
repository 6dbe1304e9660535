package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/blob"
)

// The maintenance commands: gc and scrub, each run now (optionally as a dry run) on
// the node --endpoint names, or with "status" showing that node's latest run.

func (a *adminCLI) gcCommand() *cobra.Command {
	var dry bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Run the garbage collector on the node now (--dry-run: only report)",
		Long: "Run one garbage collection on the node at --endpoint: remove the block files that no record on any\n" +
			"node references, once their grace period has passed. Every node of every layout version in flight\n" +
			"must answer, or nothing is swept. --dry-run reports what would be removed and removes nothing.",
		Args: cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			r, err := s.c.RunGC(s.ctx, dry)
			if err != nil {
				return err
			}
			return s.print(r, func(w io.Writer) { gcRows(w, r) })
		}),
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "report what would be removed, remove nothing")
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the node's latest garbage collection and its totals",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			st, err := s.c.GC(s.ctx)
			if err != nil {
				return err
			}
			return s.print(st, func(w io.Writer) {
				rows(w, "Node", st.Node)
				gcRows(w, st.Last)
				rows(w,
					"Runs since start", fmt.Sprint(st.Totals.Runs),
					"Blocks removed since start", fmt.Sprint(st.Totals.BlocksRemoved),
					"Bytes freed since start", fmt.Sprint(st.Totals.BytesFreed),
					"Sweeps skipped since start", fmt.Sprint(st.Totals.SweepsSkipped))
			})
		}),
	})
	return cmd
}

func gcRows(w io.Writer, r blob.GCResult) {
	rows(w,
		"Started", r.Start.UTC().Format("2006-01-02 15:04:05Z"),
		"Duration", r.Duration.String(),
		"Dry run", strconv.FormatBool(r.DryRun),
		"Orphans only", strconv.FormatBool(r.OrphansOnly),
		"Candidates", fmt.Sprint(r.Candidates),
		"Referenced elsewhere", fmt.Sprint(r.Referenced),
		"Blocks removed", fmt.Sprint(r.BlocksRemoved),
		"Bytes freed", fmt.Sprint(r.BytesFreed),
		"Blocks waiting", fmt.Sprint(r.BlocksWaiting),
		"Tombstones removed", fmt.Sprint(r.TombstonesGone),
		"Sweep skipped", orDash(r.SweepSkipped),
		"Error", orDash(r.Error))
}

func (a *adminCLI) scrubCommand() *cobra.Command {
	var dry bool
	cmd := &cobra.Command{
		Use:   "scrub",
		Short: "Run the integrity scanner on the node now (--dry-run: only report)",
		Long: "Run one pass of the integrity scanner on the node at --endpoint: check every block file against\n" +
			"its SHA-256 and every inline record against its checksum, and repair bad copies from other owners.\n" +
			"The pass reads at the node's scrub rate; give --timeout enough for its disk. --dry-run repairs nothing.",
		Args: cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			r, err := s.c.RunScrub(s.ctx, dry)
			if err != nil {
				return err
			}
			return s.print(r, func(w io.Writer) { scrubRows(w, r) })
		}),
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "report bad copies, repair nothing")
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the node's latest scanner pass and its totals",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			st, err := s.c.Scrub(s.ctx)
			if err != nil {
				return err
			}
			return s.print(st, func(w io.Writer) {
				rows(w, "Node", st.Node)
				scrubRows(w, st.Last)
				rows(w,
					"Blocks checked since start", fmt.Sprint(st.Totals.Checked),
					"Bad blocks since start", fmt.Sprint(st.Totals.Corrupt),
					"Bad inline records since start", fmt.Sprint(st.Totals.InlineCorrupt))
			})
		}),
	})
	return cmd
}

func scrubRows(w io.Writer, r blob.ScrubResult) {
	rows(w,
		"Started", r.Start.UTC().Format("2006-01-02 15:04:05Z"),
		"Duration", r.Duration.String(),
		"Dry run", strconv.FormatBool(r.DryRun),
		"Blocks checked", fmt.Sprint(r.Checked),
		"Bytes checked", fmt.Sprint(r.Bytes),
		"Bad blocks", fmt.Sprint(r.Corrupt),
		"Blocks repaired", fmt.Sprint(r.Repaired),
		"Blocks unrepaired", fmt.Sprint(r.Unrepaired),
		"Inline records checked", fmt.Sprint(r.InlineChecked),
		"Bad inline records", fmt.Sprint(r.InlineCorrupt),
		"Inline repaired", fmt.Sprint(r.InlineRepaired),
		"Inline unrepaired", fmt.Sprint(r.InlineUnrepaired),
		"Error", orDash(r.Error))
}
