"""Enemy AI: a behaviour tree with A* pathfinding; no machine learning involved."""

import heapq

from src.world import Grid


class EnemyAI:
    def __init__(self, grid: Grid, aggression: float = 0.7):
        self.grid = grid
        self.aggression = aggression

    def next_move(self, me, player):
        if self.grid.distance(me, player) < 2:
            return ("attack", player)
        return ("move", self.path(me, player)[1])

    def path(self, start, goal):
        frontier = [(0, start)]
        came_from = {start: None}
        while frontier:
            _, current = heapq.heappop(frontier)
            if current == goal:
                break
            for nxt in self.grid.neighbours(current):
                if nxt not in came_from:
                    came_from[nxt] = current
                    heapq.heappush(frontier, (self.grid.distance(nxt, goal), nxt))
        path, node = [], goal
        while node is not None:
            path.append(node)
            node = came_from.get(node)
        return path[::-1]
