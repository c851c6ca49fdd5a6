"""`python -m signlang.cli ...`: the same as the `signlang` console command."""

from signlang.cli import console

console()
