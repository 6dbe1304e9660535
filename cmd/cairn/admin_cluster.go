package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/s3api/admin"
)

// The topology commands: whoami, cluster, raft, nodes, layout, sync.

func (a *adminCLI) whoamiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show who the credentials belong to and where they were found",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			id, err := s.c.WhoAmI(s.ctx)
			if err != nil {
				return err
			}
			out := struct {
				admin.Identity
				CredentialSource string `json:"credentialSource"`
			}{id, s.source}
			return s.print(out, func(w io.Writer) {
				rows(w,
					"User", id.User,
					"Access key", id.AccessKeyID,
					"Root", strconv.FormatBool(id.Root),
					"Groups", joinOrDash(id.Groups),
					"Policies", joinOrDash(id.Policies),
					"Credentials", s.source)
			})
		}),
	}
}

func (a *adminCLI) clusterCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "cluster",
		Short: "Show the cluster: id, Raft leader, layout and health",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			c, err := s.c.Cluster(s.ctx)
			if err != nil {
				return err
			}
			return s.print(c, func(w io.Writer) {
				var nodes []string
				for state, n := range c.Nodes {
					nodes = append(nodes, fmt.Sprintf("%d %s", n, state))
				}
				h := c.Health
				rows(w,
					"ID", c.ID,
					"Name", c.Name,
					"Leader", orDash(c.Raft.Leader),
					"Term", fmt.Sprint(c.Raft.Term),
					"Commit index", fmt.Sprint(c.Raft.CommitIndex),
					"Applied index", fmt.Sprint(c.Raft.AppliedIndex),
					"Layout version", fmt.Sprint(c.Layout.Version),
					"Replication", fmt.Sprint(c.Layout.Replication),
					"Nodes", strings.Join(sorted(nodes), ", "),
					"Syncing", uintsOrDash(c.Layout.Syncing),
					"Health", fmt.Sprintf("%s: %d/%d partitions with all owners, %d/%d with a quorum", h.Status, h.AllOwners, h.Partitions, h.Quorum, h.Partitions))
			})
		}),
	}
}

func (a *adminCLI) raftCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "raft",
		Short: "Show this node's Raft state and the Raft servers",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			r, err := s.c.Raft(s.ctx)
			if err != nil {
				return err
			}
			return s.print(r, func(w io.Writer) {
				rows(w, "Node", r.Node, "State", r.State, "Leader", orDash(r.Leader), "Term", fmt.Sprint(r.Term),
					"Commit index", fmt.Sprint(r.CommitIndex), "Applied index", fmt.Sprint(r.AppliedIndex))
				fmt.Fprintln(w)
				fmt.Fprintln(w, "SERVER\tROLE\tADDRESS")
				for _, sv := range r.Servers {
					fmt.Fprintf(w, "%s\t%s\t%s\n", sv.ID, sv.Role, sv.Address)
				}
			})
		}),
	}
}

func (a *adminCLI) nodesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nodes [ID]",
		Short: "List the nodes, or show one",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			if len(args) == 1 {
				n, err := s.c.Node(s.ctx, args[0])
				if err != nil {
					return err
				}
				return s.print(n, func(w io.Writer) { nodeRows(w, n) })
			}
			nodes, err := s.c.Nodes(s.ctx)
			if err != nil {
				return err
			}
			return s.print(nodes, func(w io.Writer) {
				// DATA is what Cairn stores on the node; DISK FREE what its file system
				// has left (the file system's own use, Cairn's and others', is in
				// 'cairn admin nodes ID').
				fmt.Fprintln(w, "ID\tGOSSIP\tRAFT\tSTATUS\tZONE\tCAPACITY\tPARTITIONS\tDATA\tDISK FREE\tVERSION\tUPTIME\tS3")
				for _, n := range nodes {
					used, free := "-", "-"
					if n.Stats != nil {
						used, free = bytesOf(uint64(max(n.Stats.DataBytes, 0))), bytesOf(n.Stats.DiskFreeBytes)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Gossip, n.Raft, n.Status,
						orDash(n.Zone), n.Capacity, n.Partitions, used, free, orDash(n.Version), uptime(n.UptimeSeconds), orDash(n.S3Addr))
				}
			})
		}),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "remove ID",
		Short: "Decommission a node: move its data to the others, then remove it",
		Long: `Decommission a node, alive or dead. The cluster installs a layout without it at
once; its data moves to the new owners in the background ('cairn admin sync' shows
the progress); then the node leaves Raft and is marked removed. A removed node id
cannot rejoin: a replacement needs a new id.`,
		Args: cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			r, err := s.c.RemoveNode(s.ctx, args[0])
			if err != nil {
				return err
			}
			return s.done(r, "Node %s is %s; layout version %d no longer holds it.", r.ID, r.Status, r.LayoutVersion)
		}),
	})
	cmd.AddCommand(a.nodeSetCommand())
	return cmd
}

// nodeSetCommand sets or clears a node's capacity and zone override.
func (a *adminCLI) nodeSetCommand() *cobra.Command {
	var (
		capacity uint64
		zone     string
		version  uint64
		set      *cobra.Command
	)
	set = &cobra.Command{
		Use:   "set ID [--capacity N] [--zone Z]",
		Short: "Override a node's capacity and zone (a new layout version, applied at once)",
		Long: `Override a node's capacity (its weight in the layout) and zone without restarting
it, as 'garage layout assign -c' does. The override is kept in Raft and wins over the
node's own --capacity and --zone flags until it is cleared. The override becomes
exactly the flags given: a flag left out clears that part, and no flag at all clears
the override (the node's flags apply again). The cluster installs a new layout
version at once; the data moves in the background ('cairn admin sync').`,
		Args: cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			var in admin.NodeOverride
			if set.Flags().Changed("capacity") {
				in.Capacity = &capacity
			}
			if set.Flags().Changed("zone") {
				in.Zone = &zone
			}
			in.Version = version
			n, err := s.c.SetNodeOverride(s.ctx, args[0], in)
			if err != nil {
				return err
			}
			return s.print(n, func(w io.Writer) { nodeRows(w, n) })
		}),
	}
	set.Flags().Uint64Var(&capacity, "capacity", 0, "the node's weight in the layout, at least 1")
	set.Flags().StringVar(&zone, "zone", "", "the node's zone (\"\" for no zone)")
	set.Flags().Uint64Var(&version, "version", 0, "fail unless the layout is still at this version")
	return set
}

// nodeRows prints one node as name/value rows.
func nodeRows(w io.Writer, n admin.Node) {
	started := "-"
	if n.StartedAt != nil {
		started = n.StartedAt.Format(time.RFC3339)
	}
	rows(w,
		"ID", n.ID,
		"Gossip", n.Gossip,
		"Raft", n.Raft,
		"Status", n.Status,
		"In layout", strconv.FormatBool(n.InLayout),
		"Zone", orDash(n.Zone),
		"Capacity", fmt.Sprint(n.Capacity),
		"Override", overrideText(n.Override),
		"Partitions", fmt.Sprint(n.Partitions),
		"S3 address", orDash(n.S3Addr),
		"Admin address", orDash(n.AdminAddr),
		"RPC address", orDash(n.RPCAddr),
		"Raft address", orDash(n.RaftAddr),
		"Gossip address", orDash(n.GossipAddr),
		"Version", orDash(n.Version),
		"Started", started,
		"Uptime", uptime(n.UptimeSeconds))
	if st := n.Stats; st != nil {
		rows(w,
			"Data (Cairn)", bytesOf(uint64(max(st.DataBytes, 0))),
			"  blocks", bytesOf(uint64(max(st.BlockBytes, 0))),
			"  index", bytesOf(uint64(max(st.IndexBytes, 0))),
			"Disk total", bytesOf(st.DiskTotalBytes),
			"Disk used (all)", bytesOf(st.DiskUsedBytes),
			"Disk free", bytesOf(st.DiskFreeBytes),
			"Objects", countOf(st.Objects),
			"Blocks", countOf(st.Blocks))
	}
}

func (a *adminCLI) layoutCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "layout",
		Short: "Show the layout: nodes, zones, capacities and their partitions",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			l, err := s.c.Layout(s.ctx)
			if err != nil {
				return err
			}
			return s.print(l, func(w io.Writer) { layoutTable(w, l) })
		}),
	}
	var change admin.LayoutChange
	set := &cobra.Command{
		Use:   "set --replication N",
		Short: "Change the replication factor (a new layout version, applied at once)",
		Long: `Change the replication factor. The change is a new layout version, applied at once;
the data moves in the background ('cairn admin sync'). There is no staging: to
revert, set the old value again. Zones and capacities are each node's own
--zone and --capacity, or an override: 'cairn admin nodes set'.`,
		Args: cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			l, err := s.c.UpdateLayout(s.ctx, change)
			if err != nil {
				return err
			}
			return s.print(l, func(w io.Writer) { layoutTable(w, l) })
		}),
	}
	set.Flags().IntVar(&change.Replication, "replication", 0, "replication factor, from 1 to the number of nodes")
	set.Flags().Uint64Var(&change.Version, "version", 0, "fail unless the layout is still at this version")
	_ = set.MarkFlagRequired("replication")
	cmd.AddCommand(set)
	return cmd
}

// layoutTable prints a layout: its summary, then one row per node.
func layoutTable(w io.Writer, l admin.Layout) {
	var syncing []string
	for _, b := range l.Syncing {
		syncing = append(syncing, fmt.Sprintf("v%d (replication %d: %s)", b.Version, b.Replication, strings.Join(b.Nodes, ", ")))
	}
	rows(w, "Version", fmt.Sprint(l.Version), "Replication", fmt.Sprint(l.Replication), "Partitions", fmt.Sprint(l.Partitions),
		"Syncing", joinOrDash(syncing))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "NODE\tZONE\tCAPACITY\tPARTITIONS")
	for _, n := range l.Nodes {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", n.ID, orDash(n.Zone), n.Capacity, n.Partitions)
	}
}

func (a *adminCLI) syncCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "sync",
		Short: "Show the progress of moving data after a layout change",
		Args:  cobra.NoArgs,
		RunE: a.run(func(s *session, _ []string) error {
			st, err := s.c.Sync(s.ctx)
			if err != nil {
				return err
			}
			return s.print(st, func(w io.Writer) {
				state := "in progress"
				if st.Done {
					state = "done"
				}
				rows(w, "Layout version", fmt.Sprint(st.LayoutVersion), "Sync", state, "Old versions in use", uintsOrDash(st.Syncing))
				fmt.Fprintln(w)
				fmt.Fprintln(w, "NODE\tSYNCED TO\tDONE\tREPAIR\tROUNDS\tPENDING PARTITIONS\tPENDING BLOCKS\tLAST ERROR")
				for _, n := range st.Nodes {
					repair, rounds, parts, blocks, lastErr := "-", "-", "-", "-", "-"
					if r := n.Repair; r != nil {
						repair = "idle"
						if r.Running {
							repair = "running"
						}
						rounds, parts, blocks = fmt.Sprint(r.Rounds), fmt.Sprint(r.PartitionsPending+r.BlockPartitionsPending), fmt.Sprint(r.BlocksPending)
						lastErr = orDash(strings.ReplaceAll(r.LastError, "\n", "; "))
					}
					fmt.Fprintf(w, "%s\t%d\t%t\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.SyncedVersion, n.Done, repair, rounds, parts, blocks, lastErr)
				}
			})
		}),
	}
}

// overrideText describes a node's capacity and zone override; "-" for none.
func overrideText(o *admin.NodeOverride) string {
	if o == nil {
		return "-"
	}
	var parts []string
	if o.Capacity != nil {
		parts = append(parts, fmt.Sprintf("capacity %d", *o.Capacity))
	}
	if o.Zone != nil {
		parts = append(parts, fmt.Sprintf("zone %q", *o.Zone))
	}
	return strings.Join(parts, ", ")
}
