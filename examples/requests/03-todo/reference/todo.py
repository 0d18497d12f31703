"""todo: a small to-do list manager backed by a SQLite file."""

from __future__ import annotations

import argparse
import sqlite3
import sys

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
)
"""


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(SCHEMA)
    return conn


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo", description="A tiny to-do list.")
    parser.add_argument("--db", default="todo.db", help="database file (default: todo.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a task")
    add.add_argument("text", nargs="+")
    lst = sub.add_parser("list", help="list tasks")
    lst.add_argument("--all", action="store_true", help="include done tasks")
    done = sub.add_parser("done", help="mark a task as done")
    done.add_argument("id", type=int)
    remove = sub.add_parser("remove", help="delete a task")
    remove.add_argument("id", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    conn = connect(args.db)
    try:
        with conn:
            if args.command == "add":
                text = " ".join(args.text)
                if not text.strip():
                    print("todo: error: task text is empty", file=sys.stderr)
                    return 1
                cur = conn.execute("INSERT INTO tasks (text) VALUES (?)", (text,))
                print(f"Added {cur.lastrowid}: {text}")
            elif args.command == "list":
                query = "SELECT id, text, done FROM tasks"
                if not args.all:
                    query += " WHERE done = 0"
                for task_id, text, done in conn.execute(query + " ORDER BY id"):
                    print(f"{task_id} [{'x' if done else ' '}] {text}")
            else:
                if args.command == "done":
                    cur = conn.execute("UPDATE tasks SET done = 1 WHERE id = ?", (args.id,))
                else:
                    cur = conn.execute("DELETE FROM tasks WHERE id = ?", (args.id,))
                if cur.rowcount == 0:
                    print(f"todo: error: no task with id {args.id}", file=sys.stderr)
                    return 1
                verb = "Done" if args.command == "done" else "Removed"
                print(f"{verb} {args.id}")
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
