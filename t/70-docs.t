# The documentation agrees with the code: man pages are clean mdoc, the
# SYNOPSIS lists exactly the options usage() does, every -o option and
# every log reason is documented.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
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
for my $call (map { /^syscalls\s+(.*?)\s*(?:#.*)?$/ ? split(' ', $1) : () }
    split /\n/, slurp("$top/policy/internal.policy")) {
	ok($pman =~ /\.Fn \Q$call\E\b/ || $pman =~ /\b\Q$call\E\b/,
	    "internal call $call is documented");
}
done_testing();
