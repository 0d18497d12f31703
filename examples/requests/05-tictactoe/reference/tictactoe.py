"""Tic-tac-toe rules on a 9-character board string, with a perfect (minimax) player."""

from __future__ import annotations

from functools import cache

EMPTY = "."
LINES = [
    (0, 1, 2), (3, 4, 5), (6, 7, 8),  # rows
    (0, 3, 6), (1, 4, 7), (2, 5, 8),  # columns
    (0, 4, 8), (2, 4, 6),             # diagonals
]


def new_board() -> str:
    return EMPTY * 9


def current_player(board: str) -> str:
    return "X" if board.count("X") == board.count("O") else "O"


def winner(board: str) -> str | None:
    for a, b, c in LINES:
        if board[a] != EMPTY and board[a] == board[b] == board[c]:
            return board[a]
    return None


def is_draw(board: str) -> bool:
    return EMPTY not in board and winner(board) is None


def legal_moves(board: str) -> list[int]:
    if winner(board) is not None:
        return []
    return [i for i, cell in enumerate(board) if cell == EMPTY]


def play(board: str, index: int) -> str:
    if not isinstance(index, int) or not 0 <= index <= 8:
        raise ValueError(f"index out of range: {index!r}")
    if winner(board) is not None or EMPTY not in board:
        raise ValueError("the game is over")
    if board[index] != EMPTY:
        raise ValueError(f"cell {index} is taken")
    return board[:index] + current_player(board) + board[index + 1:]


@cache
def _value(board: str) -> int:
    """Score for the player to move: positive wins (sooner is larger), negative loses."""
    if winner(board) is not None:  # the previous player just won
        return -(1 + board.count(EMPTY))
    moves = legal_moves(board)
    if not moves:
        return 0
    return max(-_value(play(board, m)) for m in moves)


def best_move(board: str) -> int:
    moves = legal_moves(board)
    if not moves:
        raise ValueError("the game is over")
    best, best_score = moves[0], None
    for move in moves:
        score = -_value(play(board, move))
        if best_score is None or score > best_score:
            best, best_score = move, score
    return best
