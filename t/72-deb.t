# SPDX-License-Identifier: ISC
# The Debian package, as make deb builds it (DEB_BUILD_OPTIONS=nocheck
# here: make check-deb builds it with its tests): its control fields,
# its files, its conffiles, its maintainer scripts, and lintian's verdict.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Find;
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

my $top = "$FindBin::Bin/..";
plan skip_all => 'inside a package build: make deb would build it again'
    if defined $ENV{DEB_RULES_REQUIRES_ROOT};
for my $tool (qw(dpkg-buildpackage dh lintian)) {
	plan skip_all => "no $tool (dpkg-dev, debhelper, lintian: make check "
	    . 'installs them)' if system("command -v $tool >/dev/null 2>&1");
}

# What the package holds besides the shipped policies, which it holds
# twice (the conffiles and the examples). A new file that make install
# installs goes here, and nowhere else in this test.
my @FILES = qw(
	etc/default/sinetd
	lib/systemd/system/sinetd.service
	usr/libexec/sinetd/sinetd-worker
	usr/sbin/sinetd
	usr/sbin/sinetctl
	usr/share/bash-completion/completions/sinetctl
	usr/share/doc/sinetd/README.md.gz
	usr/share/doc/sinetd/changelog.gz
	usr/share/doc/sinetd/copyright
	usr/share/doc/sinetd/examples/inetd.conf
	usr/share/doc/sinetd/examples/sinetd.conf
	usr/share/lintian/overrides/sinetd
	usr/share/man/man5/sinetd.conf.5.gz
	usr/share/man/man5/sinetd.policy.5.gz
	usr/share/man/man8/sinetctl.8.gz
	usr/share/man/man8/sinetd.8.gz
	usr/share/sinetd/inetd.conf
);
my @POLICIES = map { m{/([^/]+\.policy)$} } glob("$top/policy/*.policy");

my ($version) = slurp("$top/common/version.h") =~ /SINETD_VERSION\s+"([^"]+)"/;
my ($arch) = `dpkg --print-architecture` =~ /(\S+)/;
my $dir = tempdir(CLEANUP => 1);
my $deb = "$dir/deb/sinetd_${version}_$arch.deb";

# The same make, without the jobserver of a make check around us.
local $ENV{MAKEFLAGS} = '';
delete local $ENV{MFLAGS};
delete local $ENV{MAKELEVEL};
local $ENV{DEB_BUILD_OPTIONS} = 'nocheck';
my $out = `make -s -C '$top' BUILD='$dir' deb 2>&1`;
is($?, 0, 'make deb') or diag($out);
ok(-f $deb, "it built sinetd_${version}_$arch.deb") or BAIL_OUT('no package');
my $log = slurp("$dir/deb/build.log");
like($log, qr/dpkg-buildpackage: info: binary-only upload/,
    'with dpkg-buildpackage -b');
unlike($log, qr/^(?:Files=\d+|Result: |t\/\d+)/m,
    'under DEB_BUILD_OPTIONS=nocheck no test runs');
unlike($log, qr/apt-get|installing:/, 'and nothing is installed');

subtest 'control fields' => sub {
	my %f;
	for my $field (qw(Package Version Architecture Provides Conflicts
	    Replaces Depends Section Priority Maintainer)) {
		($f{$field} = `dpkg-deb -f '$deb' $field`) =~ s/\s+$//;
	}
	is($f{Package}, 'sinetd', 'Package');
	is($f{Version}, $version, 'Version: common/version.h\'s');
	like(slurp("$top/debian/changelog"), qr/^sinetd \(\Q$version\E\)/,
	    'and debian/changelog\'s');
	is($f{Architecture}, $arch, 'Architecture');
	is($f{$_}, 'inet-superserver', "$_: inet-superserver")
	    for qw(Provides Conflicts Replaces);
	my %dep = map { /^(\S+)/ ? ($1 => 1) : () } split /,\s*/, $f{Depends};
	ok($dep{$_}, "Depends on $_") for qw(update-inetd tcpd libc6 libcap2
	    libseccomp2);
	is($f{Section}, 'net', 'Section: net');
	like($f{Maintainer}, qr/^[^<>]+ <[^<>@\s]+@[^<>\s]+>$/, 'a Maintainer');
};

my @have = sort grep { length && !m{/$} } map { (split ' ', $_, 6)[5] =~ s{^\./}{}r }
    split /\n/, `dpkg-deb -c '$deb'`;

subtest 'file list' => sub {
	my @want = sort(@FILES, map { ("etc/sinetd/policy/$_",
	    "usr/share/doc/sinetd/examples/policy/$_") } @POLICIES);
	is(join("\n", @have), join("\n", @want), 'exactly these files')
	    or diag(`dpkg-deb -c '$deb'`);
	ok(!grep({ m{^etc/inetd\.conf$} } @have),
	    'no /etc/inetd.conf: the postinst makes it, update-inetd edits it');
	ok(!grep({ m{^etc/init\.d/} } @have),
	    'no /etc/init.d script, which update-inetd would restart');
	my $x = `dpkg-deb -c '$deb'`;
	like($x, qr{^-rwxr-xr-x root/root .* \./usr/sbin/sinetd$}m,
	    'sinetd is 0755 root:root');
	like($x, qr{^-rw-r--r-- root/root .* \./etc/sinetd/policy/tftp\.policy$}m,
	    'a policy is 0644 root:root');
};

subtest 'the files are make install\'s' => sub {
	# debian/rules installs with the Makefile: the package holds what
	# make install installs, but for what Debian adds or moves.
	my $dest = tempdir(CLEANUP => 1);
	my $san = slurp(build_dir() . '/.flags') =~ /-fsanitize/ ?
	    ' SANITIZE=1' : '';
	my $o = `make -s -C '$top' BUILD='${\ build_dir()}' DESTDIR='$dest' PREFIX=/usr UNITDIR=/lib/systemd/system$san install 2>&1`;
	is($?, 0, 'make install DESTDIR=... PREFIX=/usr') or diag($o);
	my @inst;
	find(sub { push @inst, substr($File::Find::name, length($dest) + 1)
	    if -f $_ }, $dest);
	my %moved = ('etc/inetd.conf' => 'usr/share/sinetd/inetd.conf');
	my @mapped = sort map {
		my $f = $moved{$_} // $_;
		$f =~ m{^usr/share/(?:man/|doc/sinetd/README)} ? "$f.gz" : $f;
	} @inst;
	my %deb_adds = map { $_ => 1 } qw(etc/default/sinetd
	    usr/share/doc/sinetd/changelog.gz usr/share/doc/sinetd/copyright
	    usr/share/lintian/overrides/sinetd);
	is(join("\n", grep { !$deb_adds{$_} } @have), join("\n", @mapped),
	    'the same files, etc/inetd.conf moved to the postinst\'s template');
	is(slurp("$dest/etc/inetd.conf"), slurp("$top/etc/inetd.conf"),
	    'that template is etc/inetd.conf');
};

subtest 'conffiles' => sub {
	my $ctl = tempdir(CLEANUP => 1);
	system('dpkg-deb', '-e', $deb, $ctl) == 0 or die 'dpkg-deb -e';
	my @conf = sort split /\n/, slurp("$ctl/conffiles");
	is(join("\n", @conf), join("\n", sort('/etc/default/sinetd',
	    map { "/etc/sinetd/policy/$_" } @POLICIES)),
	    '/etc/default/sinetd and every shipped policy, nothing else');
	like(slurp("$ctl/postinst"),
	    qr{\[ -e /etc/inetd\.conf \] && return 0\n\s*cp /usr/share/sinetd/inetd\.conf },
	    'the postinst copies the template only where there is no /etc/inetd.conf');
	unlike(slurp("$ctl/postinst") . slurp("$ctl/prerm") . slurp("$ctl/postrm"),
	    qr{inetd\.pid|init\.d}, 'no inetd.pid, no init script');
	like(slurp("$ctl/postinst"), qr/deb-systemd-helper enable 'sinetd\.service'/,
	    'the unit is enabled on installation');
	my $def = slurp("$dir/deb/sinetd-$version/debian/sinetd/etc/default/sinetd");
	like($def, qr/^OPTIONS=""$/m, '/etc/default/sinetd sets OPTIONS');
	like(slurp("$top/etc/sinetd.service"),
	    qr{^EnvironmentFile=-/etc/default/sinetd$}m, 'which the unit reads');
};

subtest 'lintian' => sub {
	my $l = slurp("$dir/deb/lintian.txt");
	ok(-s "$dir/deb/lintian.txt", 'lintian ran, on the .dsc and the .changes');
	my @bad = grep { /^[EW]: / } split /\n/, $l;
	is(scalar(@bad), 0, 'no errors, no warnings') or diag($l);
	# Every override says why, in a comment above it.
	my $ov = slurp("$top/debian/sinetd.lintian-overrides");
	my @blocks = split /\n(?=#)/, $ov;
	ok(!grep({ !/^#/ } grep { /\S/ } @blocks), 'each override has its comment');
	diag("lintian:\n$l") if $ENV{TEST_VERBOSE};
};

done_testing();
