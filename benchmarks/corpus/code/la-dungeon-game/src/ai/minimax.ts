// Minimax for the board mini-game: the "AI" opponent.
export function minimax(board: number[], depth: number, maximizing: boolean): number {
  if (depth === 0) return score(board);
  const moves = legalMoves(board);
  let best = maximizing ? -Infinity : Infinity;
  for (const m of moves) {
    const value = minimax(apply(board, m), depth - 1, !maximizing);
    best = maximizing ? Math.max(best, value) : Math.min(best, value);
  }
  return best;
}
