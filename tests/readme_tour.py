#!/usr/bin/env python3
"""Runs the README's five-command tour as written, in order, in an empty folder,
on a small subset: the shell block under "## A five-command tour" with
`build/dynae` replaced by the built tool, `--steps N` by `--steps 20000`,
`--epochs 3` added to `train`, and `--bars` dropped from `evaluate` (3 epochs
on 10 000 frames do not reach the bars; the 50-epoch figures are the README's);
then the Python block below it, with `epochs=3`, where the package is built.
Usage: readme_tour.py README CLI WORKDIR. Exit 1 naming the command that failed."""
import os
import re
import shutil
import subprocess
import sys


def blocks_after(text, heading):
    part = text.split(heading, 1)[1]
    part = part.split('\n## ', 1)[0]
    blocks, current = [], []
    for line in part.split('\n'):
        if line.startswith('    '):
            current.append(line[4:])
        elif current and line.strip() == '':
            current.append('')
        elif current:
            blocks.append('\n'.join(current).strip('\n'))
            current = []
    if current:
        blocks.append('\n'.join(current).strip('\n'))
    return blocks


def shell_commands(block):
    commands, pending = [], ''
    for line in block.split('\n'):
        line = line.split(' #', 1)[0].rstrip() if not line.lstrip().startswith('#') else ''
        if not line and not pending:
            continue
        if line.endswith('\\'):
            pending += line[:-1].strip() + ' '
            continue
        commands.append((pending + line.strip()).strip())
        pending = ''
    return [c for c in commands if c]


def main(readme, cli, work):
    text = open(readme, encoding='utf-8').read()
    blocks = blocks_after(text, '## A five-command tour')
    shell, python = blocks[0], blocks[1]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    commands = shell_commands(shell)
    assert len(commands) >= 6 and all(c.startswith('build/dynae ') for c in commands), commands
    for c in commands:
        c = 'build/dynae' + c[len('build/dynae'):]
        c = re.sub(r'--steps \d+', '--steps 20000', c)
        if c.startswith('build/dynae train '):
            c += ' --epochs 3'
        if c.startswith('build/dynae evaluate '):
            c = c.replace(' --bars', '')
        argv = c.split()
        argv[0] = os.path.abspath(cli)
        print('$ ' + c, flush=True)
        r = subprocess.run(argv, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(r.stdout[-2000:], flush=True)
        if r.returncode != 0:
            print(f'the tour stops at: {c} (exit {r.returncode})')
            return 1
    if os.environ.get('PYTHONPATH'):
        code = python.replace('dynae.DynAE(', 'dynae.DynAE(epochs=3, ').replace('.fit(x)', '.fit(x, progress=False)')
        print(code, flush=True)
        r = subprocess.run([sys.executable, '-c', code], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        print(r.stdout[-2000:])
        if r.returncode != 0 or 'r2=' not in r.stdout:
            print('the tour\'s Python lines failed')
            return 1
    print(f'{len(commands)} commands of the tour ran')
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
