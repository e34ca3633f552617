"""The phases of one step, as functions over arrays (NumPy; numba for sequential kernels)."""
