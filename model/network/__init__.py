"""Networks as CSR adjacency: generators and edge-list files."""

from model.network.csr import Graph, from_edges
from model.network.generators import GENERATORS, generate
from model.network.io import EdgeListError, read_edge_list

__all__ = ["GENERATORS", "EdgeListError", "Graph", "from_edges", "generate", "read_edge_list"]
