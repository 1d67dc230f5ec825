"""lowrank: small, exact numerical companions to the course on low-rank and structured matrices.

Every public function checks its arguments (``TypeError`` / ``ValueError``
naming the argument) and never modifies its inputs.
"""

from .pinv import penrose_residuals, pinv, regularized_pinv
from .svd import low_rank_approx, randomized_svd, truncated_svd
from .cr import cr_expected_error, cr_greedy, cr_matmul, cr_middle, cr_probabilities, cr_top_k
from .interpolative import interp_decomp
from .cur import cur, deim_indices
from .monarch import monarch_matmul, monarch_project, monarch_solve, monarch_to_dense
from .hippo import discretize, hippo_fourier, hippo_fourier_scaled, hippo_legs, hippo_legt, legs_matvec, legs_solve
from .s4 import causal_conv, dplr_kernel, legs_nplr, ssm_kernel, ssm_scan
from .rtf import rtf_kernel, rtf_scan, ssm_to_rtf
from .ssm_learning import dplr_scan, fit_readout, hankel_realization, parallel_scan, s4d_lambda, vandermonde_kernel
from .out_of_core import single_pass_svd

__all__ = [
    "penrose_residuals",
    "pinv",
    "regularized_pinv",
    "low_rank_approx",
    "randomized_svd",
    "truncated_svd",
    "cr_expected_error",
    "cr_matmul",
    "cr_probabilities",
    "cr_top_k",
    "cr_greedy",
    "cr_middle",
    "interp_decomp",
    "cur",
    "deim_indices",
    "monarch_matmul",
    "monarch_project",
    "monarch_solve",
    "monarch_to_dense",
    "discretize",
    "hippo_legs",
    "hippo_legt",
    "hippo_fourier",
    "hippo_fourier_scaled",
    "legs_matvec",
    "legs_solve",
    "causal_conv",
    "dplr_kernel",
    "legs_nplr",
    "ssm_kernel",
    "ssm_scan",
    "ssm_to_rtf",
    "rtf_kernel",
    "rtf_scan",
    "fit_readout",
    "s4d_lambda",
    "vandermonde_kernel",
    "dplr_scan",
    "parallel_scan",
    "hankel_realization",
    "single_pass_svd",
]

__version__ = "0.2.0"
