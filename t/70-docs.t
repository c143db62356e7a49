# SPDX-License-Identifier: ISC
# The documentation agrees with the code: man pages are clean mdoc, the
# SYNOPSIS lists exactly the options usage() does, every -o option and
# every log reason is documented.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp ();
use Test::More;
use Sinetd;

my $top = "$FindBin::Bin/..";
my @pages = glob("$top/man/*.[0-9]");
ok(@pages >= 2, 'the man pages are there');

SKIP: {
	skip 'mandoc is not installed', scalar(@pages)
	    unless system('command -v mandoc >/dev/null') == 0;
	for my $page (@pages) {
		my $out = `mandoc -T lint -W warning '$page' 2>&1`;
		is($out, '', "mandoc -T lint: $page");
	}
}

SKIP: {
	skip 'groff is not installed', 2 * scalar(@pages)
	    unless system('command -v groff >/dev/null') == 0;
	for my $page (@pages) {
		my $out = `groff -ww -mdoc -Tutf8 -z '$page' 2>&1`;
		is($out, '', "groff -ww: $page");
		$out = `groff -mandoc -ww -z '$page' 2>&1`;
		is($out, '', "groff -mandoc -ww -z: $page");
	}
}

# Quotes close where they open. mdoc's Ql and Dq run to the end of their
# line, so ".Ql a , Ql b" quotes b inside a; neither mandoc nor groff
# warns of it, but the page reads "('a, 'b'')". Each paragraph as
# rendered has its quotes balanced and none inside another.
sub nested_quotes {
	my ($text) = @_;
	my @bad;
	$text =~ s/.\x08//g;
	for my $p (split /\n\s*\n/, $text) {
		my ($s, $d, $bad) = (0, 0, 0);
		for my $c (split //, $p) {
			$s++ if $c eq "\x{2018}";
			$s-- if $c eq "\x{2019}";
			$d++ if $c eq "\x{201c}";
			$d-- if $c eq "\x{201d}";
			$bad ||= $s > 1 || $s < 0 || $d > 1 || $d < 0;
		}
		push @bad, $p =~ s/\s+/ /gr if $bad || $s || $d;
	}
	return @bad;
}
SKIP: {
	skip 'mandoc is not installed', scalar(@pages)
	    unless system('command -v mandoc >/dev/null') == 0;
	require Encode;
	for my $page (@pages) {
		my $raw = `mandoc -T utf8 '$page'`;
		my $text = Encode::decode('UTF-8', $raw);
		my @bad = nested_quotes($text);
		is(scalar(@bad), 0, "quotes balanced, none nested: $page")
		    or diag(join("\n", map { substr($_, 0, 300) } @bad));
	}
}

my $usage = `'${\ sinetd_bin()}' -Z 2>&1`;
my $man = slurp("$top/man/sinetd.8");
my ($synopsis) = $man =~ /\.Sh SYNOPSIS\n(.*?)\.Sh /s;
my ($flags) = $usage =~ /\[-(\w+)\]/;
my ($manflags) = $synopsis =~ /\.Op Fl (\w+)\n/;
is($manflags, $flags, "the flag letters agree (-$flags)");
my @uargs = $usage =~ /\[-(\w) \w/g;
my @margs = $synopsis =~ /\.Op Fl (\w) Ar/g;
is("@margs", "@uargs", 'the options with an argument agree');
my ($olist) = $usage =~ /^options: (.*?)\(/ms;
for my $opt ($olist =~ /(\w[\w-]+)=/g) {
	ok($man =~ /\.It Cm \Q$opt\E\n/, "-o $opt is documented");
}
for my $flag (split //, $flags) {
	ok($man =~ /\.It Fl $flag\b/, "-$flag is documented");
}

# Every reason= the sources can log is in sinetd(8).
my $src = join('', map { slurp($_) } glob("$top/worker/*.c"));
my %reasons = map { $_ => 1 } $src =~ /return "([a-z0-9-]+)";/g,
    $src =~ /\[LIMIT_\w+\] = "([a-z0-9-]+)"/g;
$reasons{'source-port-20'} = 1;
# and the access reasons, which the policy code names.
my ($refuses) = slurp("$top/policy/peers.c") =~
    /^(policy_refuses_peer\(.*?^\})/ms;
ok($refuses, 'policy_refuses_peer is found');
for my $r (($refuses // '') =~ /return "([a-z-]+)";/g) {
	like($man, qr/reason=(?:[a-z0-9-]+\|)*\Q$r\E\b/,
	    "reason=$r is documented");
}
for my $r (sort keys %reasons) {
	ok(index($man, $r) >= 0, "reason $r is documented");
}
# sinetd.policy(5) lists every group with its help line, and the calls of
# the built-in internal policy.
my $pman = slurp("$top/man/sinetd.policy.5");
my $gsrc = slurp("$top/policy/groups.c");
while ($gsrc =~ /\{ "(@[\w-]+)", "((?:[^"]|"\s*")+)"/g) {
	my ($g, $help) = ($1, $2);
	$help =~ s/"\s*"//g;
	my $first = (split /\(/, $help)[0];
	$first =~ s/\s+$//;
	ok(index($pman =~ s/\n/ /gr, ".It $g $first") >= 0,
	    "group $g is documented with its help");
}
# and what each holds, call by call.
while ($gsrc =~ /\{ "(@[\w-]+)",\s*(?:"(?:[^"\\]|\\.)*"\s*)+,\s*SYSCALLS\(([^)]*)\)/g) {
	my ($g, $list) = ($1, $2);
	my @calls = $list =~ /"(\w+)"/g;
	my ($holds) = $pman =~ /^\.It \Q$g\E\n(?:(?!\.It ).*\n)*?Holds: (.*)\.\n/m;
	is($holds, join(', ', @calls), "group $g: the calls it holds");
}
for my $call (map { /^syscalls\s+(.*?)\s*(?:#.*)?$/ ? split(' ', $1) : () }
    split /\n/, slurp("$top/policy/internal.policy")) {
	ok($pman =~ /\.Fn \Q$call\E\b/ || $pman =~ /\b\Q$call\E\b/,
	    "internal call $call is documented");
}

# Every key=value key a log line can carry is in sinetd(8)'s LOGGING.
my ($logging) = $man =~ /\.Sh LOGGING\n(.*?)\.Sh /s;
my %documented = map { $_ => 1 }
    map { /^\.It Cm (.*)$/ ? split(/\s*,\s*/, $1) : () } split /\n/, $logging;
my %keys;
for my $f (glob("$top/{common,master,worker,policy}/*.c")) {
	my $text = slurp($f);
	while ($text =~ /\b(?:log_\w+|fatalx?)\s*\((.*?)\);/gs) {
		my $fmt = join('', $1 =~ /"((?:[^"\\]|\\.)*)"/g);
		$keys{$_} //= $f for $fmt =~ /(?<![%\w])([a-z_]+)=/g;
	}
}
ok(keys(%keys) > 20, 'the log keys are found in the sources');
for my $k (sort keys %keys) {
	ok($documented{$k}, "log key $k= (from $keys{$k}) is in sinetd(8)");
}

# sinetctl(8) documents every command its usage lists, and every status
# field and metric the daemon reports.
my $ctlman = slurp("$top/man/sinetctl.8");
my $ctlusage = `'${\ build_dir()}/sinetctl' -h 2>&1`;
my ($ctlflags) = $ctlusage =~ /^usage: sinetctl \[-(\w+)\]/m;
my ($ctlsyn) = $ctlman =~ /\.Sh SYNOPSIS\n(.*?)\.Sh /s;
my ($ctlmanflags) = ($ctlsyn // '') =~ /\.Op Fl (\w+)\n/;
is($ctlmanflags, $ctlflags, "sinetctl's flag letters agree (-$ctlflags)");
for my $flag (split //, $ctlflags // '') {
	ok($ctlman =~ /^\.It Fl $flag\b/m, "sinetctl -$flag is documented");
}
like($ctlman, qr/^\.It Fl h , -help$/m, 'and --help with -h');
my @commands = $ctlusage =~ /^  ([a-z][\w-]*)/mg;
ok(@commands >= 6, 'sinetctl -h lists its commands');
for my $c (@commands) {
	ok($ctlman =~ /^\.It Cm \Q$c\E\b/m, "sinetctl $c is documented");
}
# The fields from their one table (master/fields.c), the metrics from it
# and from what report.c adds (the refusals' family, the reloads).
my $fields = slurp("$top/master/fields.c");
my $report = slurp("$top/master/report.c");
my @fields = ($fields =~ /\.key = "(\w+)"/g,
    $fields =~ /\{ COUNTED\((\w+)\)/g);
cmp_ok(scalar(@fields), '>=', 25, 'the status fields are found in fields.c');
for my $c (@fields) {
	ok($ctlman =~ /^\.It Cm (?:.*\s)?\Q$c\E\b/m,
	    "status field $c is documented");
}
my @metrics = ($fields =~ /\b(?:GAUGE|COUNTER)\("(\w+)"/g,
    $report =~ /^#define \w+_FAMILY\t"(\w+)"/mg,
    $report =~ /metric_head\(b, "(\w+)"/g);
cmp_ok(scalar(@metrics), '>=', 11, 'the metrics are found there');
for my $m (@metrics) {
	ok(index($ctlman, "sinetd_$m") >= 0, "metric sinetd_$m is documented");
}

# The examples of sinetd.conf(5) are a valid configuration.
my ($conf_examples) = slurp("$top/man/sinetd.conf.5") =~
    /\.Sh EXAMPLES\n\.Bd -literal\n(.*?)\.Ed\n/s;
ok($conf_examples, 'sinetd.conf(5) has examples');
{
	my $dir = File::Temp::tempdir(CLEANUP => 1);
	write_file("$dir/ex.conf", $conf_examples);
	my $out = `'${\ sinetd_bin()}' -n '$dir/ex.conf' 2>&1`;
	# A server this host does not have is a pre-flight line, not the
	# configuration's error.
	my $missing = qr{^\S+:\d+: server: /\S+ \([^)]*\): No such file or directory\n}m;
	(my $rest = $out) =~ s/$missing//g;
	is($rest, $out =~ $missing ? '' : "configuration OK\n",
	    'and sinetd -n takes them, but for the servers not installed here');
}

# The README names both commands and links every page.
my $readme = slurp("$top/README.md");
like($readme, qr/make run/, 'README: make run');
like($readme, qr/make check/, 'README: make check');
for my $page (map { m{([^/]+)$} } @pages) {
	ok(index($readme, "man/$page") >= 0, "README links man/$page");
}
done_testing();
