# SPDX-License-Identifier: ISC
# What a release carries: the licence, an SPDX line in every source file,
# one version (common/version.h) that both tools, the log and NEWS.md say.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;

my $top = "$FindBin::Bin/..";
like(slurp("$top/LICENSE"), qr/\AISC License\n\nCopyright \(c\) \d{4} /,
    'LICENSE: the ISC licence, with its copyright line');

my ($version) = slurp("$top/common/version.h") =~ /^#define SINETD_VERSION\s+"([^"]+)"$/m;
like($version // '', qr/^\d+\.\d+\.\d+$/, "one version, in common/version.h ($version)");

SKIP: {
	skip 'not a git checkout', 1 unless -d "$top/.git";
	my @files = grep { /\.(?:c|h|t|pm|pl|5|8|bash)$|^(?:GNUmakefile|\.ci\/run|etc\/sinetd\.service)$/ &&
	    !m{^t/fuzz/corpus/} } split /\n/, `git -C '$top' ls-files`;
	my @missing = grep { (join '', (split /\n/, slurp("$top/$_"))[0 .. 2]) !~
	    /SPDX-License-Identifier: ISC/ } @files;
	is("@missing", '', scalar(@files) . ' source files, each with its SPDX line');
}

is(`'${\ sinetd_bin()}' -V`, "sinetd $version\n", 'sinetd -V');
is(`'${\ build_dir()}/sinetctl' -V`, "sinetctl $version\n", 'sinetctl -V');
like(slurp("$top/NEWS.md"), qr/^## \Q$version\E \(\d{4}-\d\d-\d\d\)$/m,
    'NEWS.md has this release');

my $port = free_port();
my $d = Sinetd->start(conf => "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
like((split /\n/, $d->log_text)[0], qr/sinetd\[\d+\]: sinetd \Q$version\E starting config=\S+$/,
    'the log\'s first line says the version');
my (undef, $out) = $d->ctl('status');
like($out, qr/^sinetd:\s+version \Q$version\E, pid \d+$/m, 'and so does sinetctl status');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
