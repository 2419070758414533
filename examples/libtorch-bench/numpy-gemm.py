# numpy/OpenBLAS reference for GemmBenchmark's shapes (float32, GFLOP/s, median of 15).
# Run: (unset OPENBLAS_CORETYPE; OPENBLAS_NUM_THREADS=1 python3 examples/libtorch-bench/numpy-gemm.py)
# Shapes are m x k x n with the transposes of a linear layer: x·Wᵀ (tb), g·W, gᵀ·x (ta).
import numpy as np, time
shapes=[(128,784,256,0,1),(128,256,256,0,1),(256,128,784,1,0),(256,128,256,1,0),(128,256,784,0,0),(128,256,256,0,0),(128,256,10,0,1),(128,10,256,0,0),(10,128,256,1,0)]
for m,k,n,ta,tb in shapes:
    A=np.random.rand(k,m).astype(np.float32) if ta else np.random.rand(m,k).astype(np.float32)
    B=np.random.rand(n,k).astype(np.float32) if tb else np.random.rand(k,n).astype(np.float32)
    a=A.T if ta else A; b=B.T if tb else B
    reps=max(20,int(2e8/(2*m*n*k))); C=np.empty((m,n),dtype=np.float32)
    for _ in range(3*reps): np.matmul(a,b,out=C)
    ts=[]
    for _ in range(15):
        t0=time.perf_counter()
        for _ in range(reps): np.matmul(a,b,out=C)
        ts.append(2.0*m*n*k*reps/(time.perf_counter()-t0)/1e9)
    ts.sort(); print(f"{m}x{k}x{n} ta={bool(ta)} tb={bool(tb)}  {ts[7]:.1f} GFLOP/s (median)")
