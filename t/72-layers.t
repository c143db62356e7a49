# SPDX-License-Identifier: ISC
# The layers are one-way: common/ needs nothing above it, policy/ needs
# common/ only, and the processes (master/, worker/) sit on both. The
# compiler cannot say so (every folder is on the include path, so a
# header is found by its name wherever it lives), so this reads every
# quoted #include and finds the folder of the header it names.
use strict;
use warnings;
use FindBin;
use Test::More;

my $top = "$FindBin::Bin/..";
my @folders = qw(common policy master worker ctl);

# What each folder may include besides its own headers.
my %may = (
	common => [],
	policy => ['common'],
);

# Where each header is; a name in two folders is ambiguous on the
# include path (-Icommon -Imaster -Iworker -Ipolicy), so it is an error.
my (%home, @twice);
for my $f (@folders) {
	for my $h (glob("$top/$f/*.h")) {
		(my $name = $h) =~ s{.*/}{};
		push @twice, "$name ($home{$name} and $f)" if exists $home{$name};
		$home{$name} = $f;
	}
}
is("@twice", '', 'every header name is in one folder only');

for my $f (sort keys %may) {
	my %ok = map { $_ => 1 } $f, @{$may{$f}};
	my @files = (glob("$top/$f/*.c"), glob("$top/$f/*.h"));
	my @bad;
	for my $file (@files) {
		open my $fh, '<', $file or die "$file: $!";
		(my $rel = $file) =~ s{^\Q$top\E/}{};
		while (my $line = <$fh>) {
			next unless $line =~ /^\s*#\s*include\s+"([^"]+)"/;
			my $inc = $1;
			my $where;
			if ($inc =~ m{^(?:\.\./)?([^/]+)/[^/]+$} &&
			    grep { $_ eq $1 } @folders) {
				$where = $1;
			} else {
				(my $name = $inc) =~ s{.*/}{};
				$where = $home{$name};
			}
			if (!defined $where) {
				push @bad, "$rel:$.: \"$inc\" is in no folder";
			} elsif (!$ok{$where}) {
				push @bad, "$rel:$.: includes $where/$inc";
			}
		}
		close $fh;
	}
	ok(@files > 0, "$f/ has sources (" . scalar(@files) . ')');
	is(join("\n", @bad), '', "$f/ includes " . (@{$may{$f}} ?
	    "only $f/ and @{$may{$f}}/" : "only $f/"))
	    or diag('a lower layer must not know a higher one: move what it ' .
	    'needs down, or the code up');
}
done_testing();
