package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagValues holds the raw flag values of one command.
type flagValues struct {
	endpoints, compare                          []string
	region, compareRegion                       string
	accessKey, secretKey, sessionToken, profile string
	cmpAccessKey, cmpSecretKey, cmpToken        string
	cmpProfile                                  string
	insecure, pathStyle, keep                   bool
	bucket, prefix, size, partSize, mix         string
	opts                                        Options
	jsonFile, markdownFile                      string
}

// secretFlags are replaced by "REDACTED" when the command line is echoed.
var secretFlags = map[string]bool{
	"secret-key": true, "session-token": true, "compare-secret-key": true, "compare-session-token": true,
}

// NewCommand returns the `bench WORKLOAD` command. It prints the report to the
// command's output, writes --json and --markdown files, and fails (non-zero exit)
// when the arguments are bad, the run could not be carried out, or any operation
// failed.
func NewCommand() *cobra.Command {
	def := DefaultOptions("")
	v := &flagValues{opts: def}
	cmd := &cobra.Command{
		Use:   "bench WORKLOAD",
		Short: "Measure an S3 endpoint the way an SDK user sees it",
		Long: `Measure any S3 endpoint through aws-sdk-go-v2, the way its users see it.

Workloads:
  put        upload new objects (PutObject)
  get        download objects of a prepared set (GetObject), verifying a sample
  stat       HeadObject on objects of a prepared set
  delete     delete objects of a prepared set (DeleteObject)
  list       list one page (ListObjectsV2, up to --list-max-keys) from a random key of a prepared set
  multipart  upload whole objects in parts (one operation = one object)
  mixed      a weighted blend, by default warp's: 45% GET, 30% STAT, 15% PUT, 10% DELETE

Credentials, first found wins: --access-key/--secret-key; KEY:SECRET@ in an
endpoint URL; --profile; CAIRN_ACCESS_KEY/CAIRN_SECRET_KEY; the AWS SDK chain
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/credentials and
~/.aws/config, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE).

ops/s and MiB/s count succeeded operations over the measured window only:
preparation and warm-up are excluded, and so are the first and last two seconds,
as minio/warp does. Latency runs from sending the request to reading the last
byte; GETs also report time to first byte. See docs/bench.md.

The run exits non-zero when any operation failed.`,
		Example: `  cairn bench put --size 4KiB --concurrency 32 --duration 30s
  cairn bench get --size 1KiB-1MiB --objects 5000 --endpoints http://n1:9000,http://n2:9000
  cairn bench mixed --endpoints http://KEY:SECRET@127.0.0.1:9000 --json result.json
  cairn bench put --compare http://other:9000 --compare-profile other`,
		SilenceUsage: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				names := make([]string, len(Workloads))
				for i, w := range Workloads {
					names[i] = string(w)
				}
				return fmt.Errorf("give exactly one workload: %s", strings.Join(names, ", "))
			}
			_, err := ParseWorkload(args[0])
			return err
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return v.run(cmd, args)
		},
	}

	f := cmd.Flags()
	f.StringSliceVar(&v.endpoints, "endpoints", def.Target.Endpoints, "S3 endpoint URLs, comma-separated; requests go round robin (http://KEY:SECRET@host:port carries credentials)")
	f.StringVar(&v.region, "region", def.Target.Region, "region to sign requests for")
	f.StringVar(&v.accessKey, "access-key", "", "access key (also: URL user info, --profile, CAIRN_ACCESS_KEY, AWS chain)")
	f.StringVar(&v.secretKey, "secret-key", "", "secret key; prefer CAIRN_SECRET_KEY, flags show in ps")
	f.StringVar(&v.sessionToken, "session-token", "", "session token for temporary credentials")
	f.StringVar(&v.profile, "profile", "", "profile of the AWS shared config and credentials files")
	f.BoolVar(&v.insecure, "insecure", false, "skip TLS certificate verification (self-signed certificates)")
	f.BoolVar(&v.pathStyle, "path-style", true, "path-style addressing (host/bucket/key); false for virtual hosts (bucket.host/key)")

	f.StringVar(&v.bucket, "bucket", "", "bucket to use (default cairn-bench-<run id>); created and removed afterwards unless it existed or --keep")
	f.BoolVar(&v.keep, "keep", false, "keep the bucket and the run's objects")
	f.StringVar(&v.prefix, "prefix", "", "key prefix; the run adds <run id>/ after it")

	f.StringVar(&v.size, "size", "", "object size, fixed (4KiB) or a range drawn uniformly (1KiB-1MiB); default 4KiB, 64MiB for multipart")
	f.IntVar(&v.opts.Concurrency, "concurrency", def.Concurrency, "requests in flight (objects in flight for multipart)")
	f.DurationVar(&v.opts.Duration, "duration", def.Duration, "length of the measured phase (exclusive with --ops)")
	f.Int64Var(&v.opts.Ops, "ops", 0, "number of operations to measure instead of a duration")
	f.DurationVar(&v.opts.Warmup, "warmup", 0, "run unmeasured for this long before measuring")
	f.IntVar(&v.opts.Objects, "objects", def.Objects, "objects prepared for get, stat, delete, list and mixed")
	f.IntVar(&v.opts.PrepareConcurrency, "prepare-concurrency", 0, "uploads in flight while preparing (default max(concurrency, 32))")
	f.StringVar(&v.partSize, "part-size", FormatSize(def.PartSize), "multipart part size, at least 5MiB")
	f.IntVar(&v.opts.PartConcurrency, "part-concurrency", def.PartConcurrency, "parts of one object uploaded at a time")
	f.Float64Var(&v.opts.VerifyRatio, "verify-ratio", def.VerifyRatio, "share of GETs whose body is hashed and checked, 0..1")
	f.StringVar(&v.mix, "mix", def.Mix.String(), "weights of the mixed workload")
	f.IntVar(&v.opts.ListMaxKeys, "list-max-keys", def.ListMaxKeys, "page size of the list workload, 1..1000")
	f.IntVar(&v.opts.Retries, "retries", 0, "SDK retries per request (default 0: every failure counts)")

	f.StringSliceVar(&v.compare, "compare", nil, "second endpoint(s) to run the same workload against, in alternating rounds")
	f.StringVar(&v.compareRegion, "compare-region", "", "region of the compared endpoint (default --region)")
	f.StringVar(&v.cmpAccessKey, "compare-access-key", "", "access key of the compared endpoint")
	f.StringVar(&v.cmpSecretKey, "compare-secret-key", "", "secret key of the compared endpoint")
	f.StringVar(&v.cmpToken, "compare-session-token", "", "session token of the compared endpoint")
	f.StringVar(&v.cmpProfile, "compare-profile", "", "AWS profile of the compared endpoint")
	f.IntVar(&v.opts.Rounds, "rounds", def.Rounds, "rounds per endpoint in compare mode")

	f.StringVar(&v.jsonFile, "json", "", `write the full result as JSON to this file ("-": standard output, instead of the table)`)
	f.StringVar(&v.markdownFile, "markdown", "", "write the tables as a Markdown section to this file")
	return cmd
}

// options turns the flags into Options and reports every problem with them: what
// only the flags know (which were given, what failed to parse), then
// Options.Validate's findings.
func (v *flagValues) options(cmd *cobra.Command, workload Workload) (Options, error) {
	f := cmd.Flags()
	o := v.opts
	o.Workload = workload
	var errs []error
	switch {
	case f.Changed("ops") && f.Changed("duration"):
		errs = append(errs, errors.New("--duration and --ops are exclusive: give one"))
		o.Ops = 0 // reported once
	case f.Changed("ops") && o.Ops < 1:
		errs = append(errs, fmt.Errorf("--ops must be at least 1, got %d", o.Ops))
		o.Ops = 0
	case f.Changed("ops"):
		o.Duration = 0
	}
	if v.size != "" {
		s, err := ParseSizeRange(v.size)
		if err != nil {
			errs = append(errs, fmt.Errorf("--size: %w", err))
		}
		o.Size = s
	}
	if ps, err := ParseSize(v.partSize); err != nil {
		errs = append(errs, fmt.Errorf("--part-size: %w", err))
	} else {
		o.PartSize = ps
	}
	if f.Changed("mix") || workload == WorkloadMixed {
		if m, err := ParseMix(v.mix); err != nil {
			errs = append(errs, fmt.Errorf("--mix: %w", err))
		} else {
			o.Mix = m
		}
	}
	o.Bucket, o.Keep, o.Prefix = v.bucket, v.keep, v.prefix
	o.Target = Target{
		Endpoints: v.endpoints, Region: v.region,
		AccessKey: v.accessKey, SecretKey: v.secretKey, SessionToken: v.sessionToken, Profile: v.profile,
		Insecure: v.insecure, PathStyle: v.pathStyle,
	}
	if len(v.compare) > 0 {
		region := v.compareRegion
		if region == "" {
			region = v.region
		}
		o.Compare = &Target{
			Endpoints: v.compare, Region: region,
			AccessKey: v.cmpAccessKey, SecretKey: v.cmpSecretKey, SessionToken: v.cmpToken, Profile: v.cmpProfile,
			Insecure: v.insecure, PathStyle: v.pathStyle,
		}
	} else {
		for _, name := range []string{"compare-region", "compare-access-key", "compare-secret-key", "compare-session-token", "compare-profile", "rounds"} {
			if f.Changed(name) {
				errs = append(errs, fmt.Errorf("--%s needs --compare", name))
			}
		}
	}
	// Report everything at once: what only the flags know, then the rest.
	if err := errors.Join(append(errs, o.Validate())...); err != nil {
		return Options{}, err
	}
	return o, nil
}

func (v *flagValues) run(cmd *cobra.Command, args []string) error {
	workload, err := ParseWorkload(args[0])
	if err != nil {
		return err
	}
	opts, err := v.options(cmd, workload)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f, ok := out.(*os.File); ok && isTerminal(f) && v.jsonFile != "-" {
		opts.Progress = f
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}

	res, runErr := Run(ctx, opts)
	if res == nil {
		return runErr
	}
	res.Command = commandLine(cmd, args)

	if v.jsonFile == "-" {
		if err := res.WriteJSON(out); err != nil {
			return err
		}
	} else {
		if err := res.WriteText(out); err != nil {
			return err
		}
		if v.jsonFile != "" {
			if err := writeFile(v.jsonFile, res.WriteJSON); err != nil {
				return err
			}
		}
	}
	if v.markdownFile != "" {
		if err := writeFile(v.markdownFile, res.WriteMarkdown); err != nil {
			return err
		}
	}
	if errors.Is(runErr, context.Canceled) {
		return errors.New("interrupted: the tables above cover only what ran")
	}
	if runErr != nil {
		return runErr
	}
	return res.Err()
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// commandLine rebuilds the command as given, with secrets redacted, for reports.
func commandLine(cmd *cobra.Command, args []string) string {
	parts := []string{cmd.CommandPath()}
	parts = append(parts, args...)
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if fl.Name == "json" || fl.Name == "markdown" {
			return
		}
		val := fl.Value.String()
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			items := sv.GetSlice()
			for i := range items {
				items[i] = redactURL(items[i])
			}
			val = strings.Join(items, ",")
		}
		if secretFlags[fl.Name] {
			val = "REDACTED"
		}
		if fl.Value.Type() == "bool" {
			if val == "true" {
				parts = append(parts, "--"+fl.Name)
			} else {
				parts = append(parts, "--"+fl.Name+"=false")
			}
			return
		}
		parts = append(parts, "--"+fl.Name+" "+shellQuote(val))
	})
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`&;|<>()*?[]{}!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
