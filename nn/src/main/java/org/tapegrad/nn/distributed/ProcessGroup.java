package org.tapegrad.nn.distributed;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.tapegrad.core.Ranges;
import org.tapegrad.core.Tensor;

/**
 * A fixed set of processes ("ranks" {@code 0 .. worldSize - 1}) that exchange buffers over TCP, as
 * {@code torch.distributed}'s process group: {@link #allReduce(Tensor, int, int, ReduceOp) allReduce} (sum or mean,
 * of a float32 or float64 tensor or array), {@link #broadcast(Tensor, int, int, int) broadcast},
 * {@link #allGather(long) allGather} and {@link #barrier()}. Every rank must make the same calls in the same order with buffers of the same length.
 *
 * <pre>{@code
 * // on every machine, with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set (RANK 0 listens on MASTER_PORT):
 * try (ProcessGroup group = ProcessGroup.fromEnvironment(Duration.ofMinutes(5))) {
 *     float[] gradient = ...;
 *     group.allReduce(gradient, 0, gradient.length, ProcessGroup.ReduceOp.MEAN); // the same bits on every rank
 * }
 * }</pre>
 *
 * <p><b>Connections.</b> Rank 0 listens at the master address; every other rank connects to it, opens a listening
 * socket of its own on a free port and reports it; rank 0 sends the table of addresses back, and each rank connects
 * to every lower rank, so that each pair of ranks has one connection (a full mesh). There is no authentication:
 * run it on a network that only the job's machines reach, as {@code torch.distributed}'s TCP store.
 *
 * <p><b>All-reduce.</b> The buffer is cut into {@code worldSize} chunks, chunk {@code c} being elements
 * {@code [offset + floor(length·c/W), offset + floor(length·(c+1)/W))}. Each rank sends chunk {@code c} to rank
 * {@code c} (reduce-scatter); rank {@code c} computes, element by element, {@code ((x_0 + x_1) + x_2) + ... + x_(W-1)}
 * in rank order, in the buffer's precision (for a mean, that sum divided by W; the element loops are the dtype
 * kernels' of {@link Ranges}, so float32 and float64 share this code), and sends the result to every rank
 * (all-gather). Each rank thus sends and receives {@code 2·(W-1)/W} of the buffer, as in a ring, and every rank ends
 * with the same bits whatever the timing, equal to the sum computed in rank order in one process.
 *
 * <p><b>Failures.</b> Each operation must complete within the group's timeout: a peer that closed its connection
 * fails the operation at once, one that stays silent fails it when the timeout runs out, and a peer that sends a
 * different operation or length fails it with a message naming both. A failure (or an interrupt of the calling
 * thread) closes the group; later calls throw the same {@link ProcessGroupException}. A group is used by one
 * thread at a time.
 */
public final class ProcessGroup implements AutoCloseable {

    /** How {@link #allReduce(Tensor, int, int, ReduceOp)} combines the ranks' buffers. */
    public enum ReduceOp {
        /** {@code x_0 + x_1 + ... + x_(W-1)}, added in rank order. */
        SUM,
        /** The {@link #SUM} divided by the world size W (a division, in the buffer's precision). */
        MEAN
    }

    private static final int MAGIC = 0x54475047; // "TGPG"
    private static final int HELLO = 1;
    private static final int TABLE = 2;
    private static final int PEER = 3;
    private static final int HEADER_BYTES = 16;
    private static final String[] OPERATIONS = {"allReduce (reduce-scatter)", "allReduce (all-gather)", "broadcast",
        "barrier", "allGather"};
    private static final int REDUCE_SCATTER = 0;
    private static final int GATHER_RESULT = 1;
    private static final int BROADCAST = 2;
    private static final int BARRIER = 3;
    private static final int ALL_GATHER = 4;
    /** Between two attempts to reach a rank whose socket is not listening yet. */
    private static final long RETRY_MILLIS = 50;

    private final int rank;
    private final int worldSize;
    private final Duration timeout;
    private final SocketChannel[] peers;
    private final Selector selector;
    private final SelectionKey[] keys;
    // One exchange's messages, per peer: what to send and where to receive (null: no message that way).
    private final ByteBuffer[] sendHeader;
    private final ByteBuffer[] receiveHeader;
    private final ByteBuffer[] send;
    private final ByteBuffer[] receive;
    private final boolean[] headerRead;
    /** Header and payload of the message to peer p, for one gathering write. */
    private final ByteBuffer[][] outgoing;
    // Buffers kept from one call to the next (grown when a call needs more).
    private final ByteBuffer[] sendStore;
    private final ByteBuffer[] receiveStore;
    private int sequence;
    private ProcessGroupException failure;
    private boolean closed;

    private ProcessGroup(int rank, int worldSize, SocketChannel[] peers, Duration timeout) throws IOException {
        this.rank = rank;
        this.worldSize = worldSize;
        this.timeout = timeout;
        this.peers = peers;
        keys = new SelectionKey[worldSize];
        sendHeader = new ByteBuffer[worldSize];
        receiveHeader = new ByteBuffer[worldSize];
        send = new ByteBuffer[worldSize];
        receive = new ByteBuffer[worldSize];
        headerRead = new boolean[worldSize];
        outgoing = new ByteBuffer[worldSize][2];
        sendStore = new ByteBuffer[worldSize];
        receiveStore = new ByteBuffer[worldSize];
        selector = worldSize > 1 ? Selector.open() : null;
        for (int p = 0; p < worldSize; p++) {
            sendHeader[p] = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            receiveHeader[p] = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (p != rank) {
                peers[p].configureBlocking(false);
                peers[p].socket().setTcpNoDelay(true);
                keys[p] = peers[p].register(selector, 0, p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ starting

    /**
     * Joins (rank &gt; 0) or starts (rank 0) a group whose rank 0 listens at {@code master}. Rank 0 listens on
     * {@code master}'s port on every interface of its machine; the other ranks retry connecting until it is there.
     * Returns once every pair of ranks is connected (after a barrier).
     *
     * @param rank      this process's rank, {@code 0 <= rank < worldSize}
     * @param worldSize the number of processes, at least 1 (1: a group of one, whose operations change nothing)
     * @param master    where rank 0 listens (for rank 0 only its port is used)
     * @param timeout   how long the start and each later operation may take
     * @throws ProcessGroupException when the group is not complete within {@code timeout}, or a rank reports another
     *                               world size or a rank that is taken
     */
    public static ProcessGroup connect(int rank, int worldSize, InetSocketAddress master, Duration timeout) {
        checkRank("connect", rank, worldSize);
        Objects.requireNonNull(master, "master");
        checkTimeout("connect", timeout);
        if (worldSize == 1) {
            try {
                return new ProcessGroup(0, 1, new SocketChannel[1], timeout);
            } catch (IOException e) {
                throw new ProcessGroupException("ProcessGroup.connect: " + e.getMessage(), e);
            }
        }
        if (rank == 0) {
            try (Master m = Master.bind(new InetSocketAddress(master.getPort()))) {
                return m.accept(worldSize, timeout);
            }
        }
        return join(rank, worldSize, master, timeout);
    }

    /**
     * {@link #connect} with the settings {@code torch.distributed} reads: {@code RANK}, {@code WORLD_SIZE},
     * {@code MASTER_ADDR} (a host name or address) and {@code MASTER_PORT}, from the process environment.
     *
     * @throws IllegalArgumentException when a variable is missing or not valid (the message names it)
     */
    public static ProcessGroup fromEnvironment(Duration timeout) {
        return fromEnvironment(System.getenv(), timeout);
    }

    /** {@link #fromEnvironment(Duration)} with the variables taken from {@code environment}. */
    public static ProcessGroup fromEnvironment(Map<String, String> environment, Duration timeout) {
        Settings s = Settings.of(environment);
        return connect(s.rank(), s.worldSize(), s.master(), timeout);
    }

    /**
     * The settings of {@link #fromEnvironment(Map, Duration)}, read and checked.
     *
     * @param rank      {@code RANK}
     * @param worldSize {@code WORLD_SIZE}
     * @param master    {@code MASTER_ADDR}:{@code MASTER_PORT} (not resolved)
     */
    public record Settings(int rank, int worldSize, InetSocketAddress master) {
        /** Reads {@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR} and {@code MASTER_PORT}. */
        public static Settings of(Map<String, String> environment) {
            Objects.requireNonNull(environment, "environment");
            int worldSize = integer(environment, "WORLD_SIZE");
            int rank = integer(environment, "RANK");
            String address = environment.get("MASTER_ADDR");
            if (address == null || address.isBlank()) {
                throw new IllegalArgumentException("ProcessGroup.fromEnvironment: MASTER_ADDR is not set; expected "
                        + "the host name or address of rank 0 (with RANK, WORLD_SIZE and MASTER_PORT)");
            }
            int port = integer(environment, "MASTER_PORT");
            if (worldSize < 1) {
                throw new IllegalArgumentException("ProcessGroup.fromEnvironment: WORLD_SIZE=" + worldSize
                        + "; expected at least 1");
            }
            if (rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("ProcessGroup.fromEnvironment: RANK=" + rank + " is out of range "
                        + "for WORLD_SIZE=" + worldSize + " (expected 0 to " + (worldSize - 1) + ")");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("ProcessGroup.fromEnvironment: MASTER_PORT=" + port
                        + "; expected a TCP port, 1 to 65535");
            }
            return new Settings(rank, worldSize, InetSocketAddress.createUnresolved(address.trim(), port));
        }

        private static int integer(Map<String, String> environment, String name) {
            String v = environment.get(name);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("ProcessGroup.fromEnvironment: " + name + " is not set; expected "
                        + "RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT, as for torch.distributed");
            }
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ProcessGroup.fromEnvironment: " + name + "=" + v
                        + " is not an integer", e);
            }
        }
    }

    /**
     * Rank 0's listening socket, opened before the other ranks know its address: bind it (port 0 picks a free port),
     * publish {@link #address()} by other means (a launcher's own message exchange, such as Spark's
     * {@code BarrierTaskContext.allGather}), then {@link #accept(int, Duration)}.
     */
    public static final class Master implements AutoCloseable {
        private final ServerSocketChannel listener;

        private Master(ServerSocketChannel listener) {
            this.listener = listener;
        }

        /**
         * Listens at {@code address} (port 0: a free port).
         *
         * @throws ProcessGroupException when the address cannot be bound (for example a port in use)
         */
        public static Master bind(InetSocketAddress address) {
            Objects.requireNonNull(address, "address");
            try {
                return new Master(listen(address));
            } catch (IOException e) {
                throw new ProcessGroupException("ProcessGroup.Master: cannot listen on " + address + ": "
                        + e.getMessage(), e);
            }
        }

        /** The address and port listened on (the address is the wildcard when bound to it). */
        public InetSocketAddress address() {
            try {
                return (InetSocketAddress) listener.getLocalAddress();
            } catch (IOException e) {
                throw new ProcessGroupException("ProcessGroup.Master: " + e.getMessage(), e);
            }
        }

        /**
         * Waits for the {@code worldSize - 1} other ranks ({@link ProcessGroup#join}), connects them to each other
         * and returns rank 0 of the group. The listening socket is closed afterwards.
         *
         * @throws ProcessGroupException when not every rank has joined within {@code timeout}, or a rank reports
         *                               another world size or a rank that is taken
         */
        public ProcessGroup accept(int worldSize, Duration timeout) {
            checkRank("accept", 0, worldSize);
            checkTimeout("accept", timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            SocketChannel[] peers = new SocketChannel[worldSize];
            byte[][] hosts = new byte[worldSize][];
            int[] ports = new int[worldSize];
            try (ServerSocketChannel l = listener) {
                for (int joined = 1; joined < worldSize; joined++) {
                    SocketChannel c = acceptOne(l, deadline, "rank 0 waiting for " + (worldSize - joined)
                            + " more rank(s) of " + worldSize);
                    DataInputStream in = input(c, deadline);
                    int r = readHello(in, HELLO, worldSize, "rank 0");
                    if (r < 1 || peers[r] != null) {
                        c.close();
                        throw new ProcessGroupException("ProcessGroup: rank " + r + " joined twice or is not a rank "
                                + "of a world of " + worldSize + "; expected each of ranks 1 to " + (worldSize - 1)
                                + " once");
                    }
                    peers[r] = c;
                    hosts[r] = in.readNBytes(in.readInt());
                    ports[r] = in.readInt();
                }
                for (int r = 1; r < worldSize; r++) {
                    DataOutputStream out = output(peers[r]);
                    out.writeInt(MAGIC);
                    out.writeInt(TABLE);
                    for (int k = 1; k < worldSize; k++) {
                        out.writeInt(hosts[k].length);
                        out.write(hosts[k]);
                        out.writeInt(ports[k]);
                    }
                    out.flush();
                }
                return started(new ProcessGroup(0, worldSize, peers, timeout));
            } catch (IOException e) {
                closeAll(peers);
                throw new ProcessGroupException("ProcessGroup: rank 0 could not start the group: " + e, e);
            } catch (RuntimeException e) {
                closeAll(peers);
                throw e;
            }
        }

        /** Stops listening (a no-op after {@link #accept}). */
        @Override
        public void close() {
            try {
                listener.close();
            } catch (IOException e) {
                // closing a listening socket releases the port whatever the outcome
            }
        }
    }

    /**
     * Joins, as {@code rank} (&gt; 0), the group whose rank 0 listens at {@code master} ({@link Master#accept} or
     * {@link #connect}), retrying the connection until rank 0 is there. Returns once every pair of ranks is connected.
     *
     * @throws ProcessGroupException when the group is not complete within {@code timeout}
     */
    public static ProcessGroup join(int rank, int worldSize, InetSocketAddress master, Duration timeout) {
        checkRank("join", rank, worldSize);
        if (rank == 0) {
            throw new IllegalArgumentException("ProcessGroup.join: rank 0 starts the group (Master.accept or "
                    + "connect); join is for ranks 1 to " + (worldSize - 1));
        }
        Objects.requireNonNull(master, "master");
        checkTimeout("join", timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel[] peers = new SocketChannel[worldSize];
        ServerSocketChannel own = null;
        try {
            peers[0] = connectOne(master, deadline, "rank " + rank + " connecting to rank 0 at " + master);
            // Other ranks reach this one on the interface it reaches rank 0 through.
            InetAddress local = ((InetSocketAddress) peers[0].getLocalAddress()).getAddress();
            if (rank < worldSize - 1) {
                own = listen(new InetSocketAddress(local, 0));
            }
            DataOutputStream out = output(peers[0]);
            writeHello(out, HELLO, rank, worldSize);
            byte[] host = local.getAddress();
            out.writeInt(host.length);
            out.write(host);
            out.writeInt(own == null ? 0 : ((InetSocketAddress) own.getLocalAddress()).getPort());
            out.flush();
            DataInputStream in = input(peers[0], deadline);
            if (in.readInt() != MAGIC || in.readInt() != TABLE) {
                throw new ProcessGroupException("ProcessGroup: rank " + rank + " got a malformed address table from "
                        + master + "; is another program listening there?");
            }
            InetSocketAddress[] addresses = new InetSocketAddress[worldSize];
            for (int k = 1; k < worldSize; k++) {
                byte[] h = in.readNBytes(in.readInt());
                addresses[k] = new InetSocketAddress(InetAddress.getByAddress(h), in.readInt());
            }
            for (int k = 1; k < rank; k++) {
                peers[k] = connectOne(addresses[k], deadline, "rank " + rank + " connecting to rank " + k + " at "
                        + addresses[k]);
                DataOutputStream o = output(peers[k]);
                writeHello(o, PEER, rank, worldSize);
                o.flush();
            }
            for (int k = rank + 1; k < worldSize; k++) {
                SocketChannel c = acceptOne(own, deadline, "rank " + rank + " waiting for rank(s) above it");
                int r = readHello(input(c, deadline), PEER, worldSize, "rank " + rank);
                if (r <= rank || peers[r] != null) {
                    c.close();
                    throw new ProcessGroupException("ProcessGroup: rank " + rank + " was reached by rank " + r
                            + ", twice or out of turn; expected each of ranks " + (rank + 1) + " to " + (worldSize - 1)
                            + " once");
                }
                peers[r] = c;
            }
            return started(new ProcessGroup(rank, worldSize, peers, timeout));
        } catch (IOException e) {
            closeAll(peers);
            throw new ProcessGroupException("ProcessGroup: rank " + rank + " could not join the group at " + master
                    + ": " + e, e);
        } catch (RuntimeException e) {
            closeAll(peers);
            throw e;
        } finally {
            if (own != null) {
                try {
                    own.close();
                } catch (IOException e) {
                    // the mesh is complete or abandoned; the listening socket is no longer needed
                }
            }
        }
    }

    /** A new group, checked with a barrier (every pair of ranks has exchanged a message). */
    private static ProcessGroup started(ProcessGroup group) {
        group.barrier();
        return group;
    }

    private static ServerSocketChannel listen(InetSocketAddress address) throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open();
        try {
            l.bind(address, 128);
            return l;
        } catch (IOException e) {
            l.close();
            throw e;
        }
    }

    private static SocketChannel connectOne(InetSocketAddress address, long deadline, String what)
            throws IOException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ProcessGroupException("ProcessGroup: timed out " + what + " (nobody listening there)");
            }
            // Resolved at each attempt: a host name may appear in DNS after the process starts (Kubernetes).
            InetSocketAddress target = address.isUnresolved()
                    ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
            if (target.isUnresolved()) {
                sleep(Math.min(RETRY_MILLIS, Math.max(1, left / 1_000_000)), what);
                if (deadline - System.nanoTime() <= 0) {
                    throw new ProcessGroupException("ProcessGroup: timed out " + what + " (the host name "
                            + address.getHostString() + " does not resolve)");
                }
                continue;
            }
            SocketChannel c = SocketChannel.open();
            try {
                c.socket().connect(target, (int) Math.max(1, left / 1_000_000));
                return c;
            } catch (ConnectException | SocketTimeoutException e) {
                c.close();
                sleep(Math.min(RETRY_MILLIS, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), what);
            } catch (IOException e) {
                c.close();
                throw e;
            }
        }
    }

    private static SocketChannel acceptOne(ServerSocketChannel listener, long deadline, String what)
            throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new ProcessGroupException("ProcessGroup: timed out " + what);
        }
        listener.socket().setSoTimeout((int) Math.max(1, left / 1_000_000));
        try {
            Socket s = listener.socket().accept();
            return s.getChannel();
        } catch (SocketTimeoutException e) {
            throw new ProcessGroupException("ProcessGroup: timed out " + what, e);
        }
    }

    private static DataInputStream input(SocketChannel c, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new ProcessGroupException("ProcessGroup: timed out while the group was starting");
        }
        c.socket().setSoTimeout((int) Math.max(1, left / 1_000_000));
        return new DataInputStream(c.socket().getInputStream());
    }

    private static DataOutputStream output(SocketChannel c) throws IOException {
        return new DataOutputStream(c.socket().getOutputStream());
    }

    private static void writeHello(DataOutputStream out, int kind, int rank, int worldSize) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(kind);
        out.writeInt(rank);
        out.writeInt(worldSize);
    }

    /** Reads a hello of {@code kind} and returns the sender's rank, after checking its world size. */
    private static int readHello(DataInputStream in, int kind, int worldSize, String who) throws IOException {
        if (in.readInt() != MAGIC || in.readInt() != kind) {
            throw new ProcessGroupException("ProcessGroup: " + who + " was reached by something that is not a rank "
                    + "of a Tapegrad process group");
        }
        int r = in.readInt();
        int w = in.readInt();
        if (w != worldSize) {
            throw new ProcessGroupException("ProcessGroup: rank " + r + " expects a world of " + w + " ranks and "
                    + who + " a world of " + worldSize + "; every rank must be given the same world size");
        }
        return r;
    }

    private static void sleep(long millis, String what) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessGroupException("ProcessGroup: interrupted " + what, e);
        }
    }

    private static void closeAll(SocketChannel[] channels) {
        for (SocketChannel c : channels) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // already failing; the first error is the one reported
                }
            }
        }
    }

    private static void checkRank(String caller, int rank, int worldSize) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("ProcessGroup." + caller + ": worldSize is " + worldSize
                    + "; expected at least 1");
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("ProcessGroup." + caller + ": rank " + rank + " is out of range for "
                    + "a world of " + worldSize + " (expected 0 to " + (worldSize - 1) + ")");
        }
    }

    private static void checkTimeout(String caller, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ProcessGroup." + caller + ": timeout is " + timeout
                    + "; expected a positive duration");
        }
    }

    // ------------------------------------------------------------------------------------------ accessors

    /** This process's rank, {@code 0 <= rank < worldSize}. */
    public int rank() {
        return rank;
    }

    /** The number of processes in the group. */
    public int worldSize() {
        return worldSize;
    }

    /** How long one operation may wait for the other ranks. */
    public Duration timeout() {
        return timeout;
    }

    // ------------------------------------------------------------------------------------------ operations

    /**
     * Replaces elements {@code [offset, offset + length)} of {@code data} on every rank by their sum (or mean) over
     * the ranks, computed in rank order in the tensor's dtype (see the class comment): every rank ends with the same
     * bits. Modified: {@code data}.
     *
     * @param data a tensor laid out contiguously from offset 0 (a parameter, a gradient, a flat buffer), of the same
     *             dtype on every rank; its elements are taken in row-major order
     * @throws IllegalArgumentException when {@code data} is a view laid out otherwise, or the range is outside it
     * @throws ProcessGroupException    when a peer fails, sends another operation or length, or times out
     */
    public void allReduce(Tensor data, int offset, int length, ReduceOp op) {
        checkFlat("allReduce", data, offset, length);
        allReduceRange(data, offset, length, Objects.requireNonNull(op, "op"));
    }

    /**
     * {@link #allReduce(Tensor, int, int, ReduceOp)} on floats, in float. Modified: {@code data}.
     *
     * @throws ProcessGroupException when a peer fails, sends another operation or length, or times out
     */
    public void allReduce(float[] data, int offset, int length, ReduceOp op) {
        Objects.requireNonNull(data, "data");
        checkRange("allReduce", data.length, offset, length);
        allReduceRange(wrap(data), offset, length, Objects.requireNonNull(op, "op"));
    }

    /** {@link #allReduce(Tensor, int, int, ReduceOp)} on doubles, in double. Modified: {@code data}. */
    public void allReduce(double[] data, int offset, int length, ReduceOp op) {
        Objects.requireNonNull(data, "data");
        checkRange("allReduce", data.length, offset, length);
        allReduceRange(wrap(data), offset, length, Objects.requireNonNull(op, "op"));
    }

    /**
     * Copies elements {@code [offset, offset + length)} of {@code data} on rank {@code root} into the same elements
     * on every other rank. Modified: {@code data} (on the other ranks).
     *
     * @param data a tensor laid out contiguously from offset 0, of the same dtype on every rank
     * @throws IllegalArgumentException when {@code data} is a view laid out otherwise, the range is outside it, or
     *                                  {@code root} is not a rank
     * @throws ProcessGroupException    when a peer fails, sends another operation or length, or times out
     */
    public void broadcast(Tensor data, int offset, int length, int root) {
        checkFlat("broadcast", data, offset, length);
        broadcastRange(data, offset, length, root);
    }

    /** {@link #broadcast(Tensor, int, int, int)} on floats. Modified: {@code data} (on the other ranks). */
    public void broadcast(float[] data, int offset, int length, int root) {
        Objects.requireNonNull(data, "data");
        checkRange("broadcast", data.length, offset, length);
        broadcastRange(wrap(data), offset, length, root);
    }

    /** {@link #broadcast(Tensor, int, int, int)} on doubles. Modified: {@code data} (on the other ranks). */
    public void broadcast(double[] data, int offset, int length, int root) {
        Objects.requireNonNull(data, "data");
        checkRange("broadcast", data.length, offset, length);
        broadcastRange(wrap(data), offset, length, root);
    }

    /** A float32 tensor over {@code data} itself (not a copy). */
    private static Tensor wrap(float[] data) {
        return Tensor.wrap(FMatrixRMaj.wrap(1, data.length, data));
    }

    /** A float64 tensor over {@code data} itself (not a copy). */
    private static Tensor wrap(double[] data) {
        return Tensor.wrap(DMatrixRMaj.wrap(1, data.length, data));
    }

    /**
     * Every rank's {@code value}, indexed by rank (the same array on every rank).
     *
     * @throws ProcessGroupException when a peer fails, sends another operation, or times out
     */
    public long[] allGather(long value) {
        checkUsable("allGather");
        long[] all = new long[worldSize];
        all[rank] = value;
        if (worldSize == 1) {
            return all;
        }
        ByteBuffer mine = store(sendStore, rank, Long.BYTES);
        mine.putLong(0, value);
        for (int p = 0; p < worldSize; p++) {
            if (p != rank) {
                send[p] = mine.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                receive[p] = store(receiveStore, p, Long.BYTES);
            }
        }
        exchange(ALL_GATHER, deadline());
        for (int p = 0; p < worldSize; p++) {
            if (p != rank) {
                all[p] = receiveStore[p].getLong(0);
            }
        }
        return all;
    }

    /**
     * Returns once every rank has called it.
     *
     * @throws ProcessGroupException when a peer fails, sends another operation, or times out
     */
    public void barrier() {
        checkUsable("barrier");
        if (worldSize == 1) {
            return;
        }
        for (int p = 0; p < worldSize; p++) {
            if (p != rank) {
                send[p] = store(sendStore, p, 0);
                receive[p] = store(receiveStore, p, 0);
            }
        }
        exchange(BARRIER, deadline());
    }

    /** Closes every connection; later operations throw. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeAll(peers);
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                // the connections are closed; nothing more to release
            }
        }
    }

    @Override
    public String toString() {
        return "ProcessGroup[rank " + rank + " of " + worldSize + (failure != null ? ", failed" : closed ? ", closed"
                : "") + "]";
    }

    private void allReduceRange(Tensor data, int offset, int length, ReduceOp op) {
        checkUsable("allReduce");
        if (worldSize == 1) {
            return; // the sum and the mean of one buffer are the buffer
        }
        long deadline = deadline();
        int width = data.dtype().itemSize();
        // Reduce-scatter: chunk p goes to rank p; this rank receives every other rank's copy of its own chunk.
        int mineFrom = chunk(offset, length, rank);
        int mineTo = chunk(offset, length, rank + 1);
        int mine = mineTo - mineFrom;
        for (int p = 0; p < worldSize; p++) {
            if (p != rank) {
                int from = chunk(offset, length, p);
                int to = chunk(offset, length, p + 1);
                ByteBuffer out = store(sendStore, p, (to - from) * width);
                Ranges.put(data, from, to, out);
                send[p] = out;
                receive[p] = store(receiveStore, p, mine * width);
            }
        }
        exchange(REDUCE_SCATTER, deadline);
        reduce(data, mineFrom, mineTo, op == ReduceOp.MEAN);
        // All-gather: this rank's reduced chunk to every rank; every other chunk from its rank.
        ByteBuffer result = store(sendStore, rank, mine * width);
        Ranges.put(data, mineFrom, mineTo, result);
        for (int p = 0; p < worldSize; p++) {
            if (p != rank) {
                send[p] = result.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                int count = chunk(offset, length, p + 1) - chunk(offset, length, p);
                receive[p] = store(receiveStore, p, count * width);
            }
        }
        exchange(GATHER_RESULT, deadline);
        for (int p = 0; p < worldSize; p++) {
            if (p != rank) {
                Ranges.get(receiveStore[p].rewind(), data, chunk(offset, length, p), chunk(offset, length, p + 1));
            }
        }
    }

    /**
     * Replaces elements {@code [from, to)} (this rank's chunk, its own copy) by {@code ((x_0 + x_1) + ...) + x_(W-1)}
     * in the dtype's arithmetic, rank {@code r}'s copy being in {@code receiveStore[r]} for {@code r != rank}, and
     * divides by W when {@code mean}.
     */
    private void reduce(Tensor data, int from, int to, boolean mean) {
        // This rank's copy goes into a buffer too (its all-gather buffer, free until then), so that the sum can
        // start from rank 0's copy whichever rank this is.
        ByteBuffer own = store(sendStore, rank, (to - from) * data.dtype().itemSize());
        Ranges.put(data, from, to, own);
        for (int r = 0; r < worldSize; r++) {
            ByteBuffer x = r == rank ? own : receiveStore[r].rewind();
            if (r == 0) {
                Ranges.get(x, data, from, to);
            } else {
                Ranges.add(x, data, from, to);
            }
        }
        if (mean) {
            Ranges.div(data, worldSize, from, to);
        }
    }

    private void broadcastRange(Tensor data, int offset, int length, int root) {
        checkUsable("broadcast");
        if (root < 0 || root >= worldSize) {
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of a world of " + worldSize
                    + " (expected 0 to " + (worldSize - 1) + ")");
        }
        if (worldSize == 1) {
            return;
        }
        int bytes = length * data.dtype().itemSize();
        if (rank == root) {
            ByteBuffer out = store(sendStore, rank, bytes);
            Ranges.put(data, offset, offset + length, out);
            for (int p = 0; p < worldSize; p++) {
                if (p != rank) {
                    send[p] = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                }
            }
        } else {
            receive[root] = store(receiveStore, root, bytes);
        }
        exchange(BROADCAST, deadline());
        if (rank != root) {
            Ranges.get(receiveStore[root].rewind(), data, offset, offset + length);
        }
    }

    /** The time by which an operation that starts now must be complete. */
    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    /** The first element of chunk {@code c} of elements {@code [offset, offset + length)}. */
    private int chunk(int offset, int length, int c) {
        return offset + (int) ((long) length * c / worldSize);
    }

    /** Buffer {@code p} of {@code stores}, of at least {@code bytes} bytes, with position 0 and limit {@code bytes}. */
    private static ByteBuffer store(ByteBuffer[] stores, int p, int bytes) {
        ByteBuffer b = stores[p];
        if (b == null || b.capacity() < bytes) {
            b = stores[p] = ByteBuffer.allocateDirect(Math.max(bytes, 64)).order(ByteOrder.LITTLE_ENDIAN);
        }
        b.clear().limit(bytes);
        return b;
    }

    /**
     * Sends {@link #send} and receives {@link #receive} (each message with a header naming the operation, its
     * sequence number and its length), all peers at once, then clears both. Fails the group on a closed connection,
     * a header that does not match, an interrupt, or the timeout.
     */
    private void exchange(int operation, long deadline) {
        int seq = sequence++;
        int pending = 0;
        try {
            for (int p = 0; p < worldSize; p++) {
                if (p == rank) {
                    continue;
                }
                int ops = 0;
                if (send[p] != null) {
                    sendHeader[p].clear().putInt(MAGIC).putInt(operation).putInt(seq).putInt(send[p].remaining())
                            .flip();
                    ops |= SelectionKey.OP_WRITE;
                    pending++;
                }
                if (receive[p] != null) {
                    receiveHeader[p].clear();
                    headerRead[p] = false;
                    ops |= SelectionKey.OP_READ;
                    pending++;
                }
                keys[p].interestOps(ops);
            }
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw fail(OPERATIONS[operation] + " #" + seq + ": timed out after " + timeout.toMillis()
                            + " ms waiting for rank(s) " + waitingFor() + " (a rank that died, hangs, or is still "
                            + "computing looks the same; every rank must make the same calls in the same order)",
                            null);
                }
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw fail(OPERATIONS[operation] + " #" + seq + ": interrupted", null);
                }
                selector.select(Math.max(1, left / 1_000_000));
                for (SelectionKey key : selector.selectedKeys()) {
                    int p = (Integer) key.attachment();
                    try {
                        pending -= progress(key, p, operation, seq);
                    } catch (IOException e) {
                        throw fail(OPERATIONS[operation] + " #" + seq + ": the connection to rank " + p + " failed ("
                                + e.getMessage() + "); it failed or stopped", e);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw fail(OPERATIONS[operation] + " #" + seq + ": " + e, e);
        } finally {
            for (int p = 0; p < worldSize; p++) {
                send[p] = null;
                receive[p] = null;
            }
        }
    }

    /** Moves peer {@code p}'s messages on as far as its socket allows; returns how many of them completed. */
    private int progress(SelectionKey key, int p, int operation, int seq) throws IOException {
        SocketChannel c = peers[p];
        int done = 0;
        if (key.isWritable() && send[p] != null) {
            outgoing[p][0] = sendHeader[p];
            outgoing[p][1] = send[p];
            c.write(outgoing[p]);
            if (!sendHeader[p].hasRemaining() && !send[p].hasRemaining()) {
                send[p] = null;
                key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
                done++;
            }
        }
        if (key.isReadable() && receive[p] != null) {
            if (!headerRead[p]) {
                if (c.read(receiveHeader[p]) < 0) {
                    throw closedBy(p, operation, seq);
                }
                if (receiveHeader[p].hasRemaining()) {
                    return done;
                }
                checkHeader(p, operation, seq);
                headerRead[p] = true;
            }
            if (receive[p].hasRemaining() && c.read(receive[p]) < 0) {
                throw closedBy(p, operation, seq);
            }
            if (!receive[p].hasRemaining()) {
                receive[p] = null;
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                done++;
            }
        }
        return done;
    }

    private void checkHeader(int p, int operation, int seq) {
        ByteBuffer h = receiveHeader[p];
        int magic = h.getInt(0);
        int op = h.getInt(4);
        int s = h.getInt(8);
        int bytes = h.getInt(12);
        if (magic != MAGIC || op < 0 || op >= OPERATIONS.length) {
            throw fail(OPERATIONS[operation] + " #" + seq + ": rank " + p + " sent bytes that are not a message of "
                    + "this group", null);
        }
        if (op != operation || s != seq || bytes != receive[p].remaining()) {
            throw fail(OPERATIONS[operation] + " #" + seq + " of " + receive[p].remaining() + " bytes: rank " + p
                    + " sent " + OPERATIONS[op] + " #" + s + " of " + bytes + " bytes; every rank must make the same "
                    + "calls in the same order, with buffers of the same length", null);
        }
    }

    private ProcessGroupException closedBy(int p, int operation, int seq) {
        return fail(OPERATIONS[operation] + " #" + seq + ": rank " + p + " closed its connection (it failed or "
                + "stopped)", null);
    }

    private String waitingFor() {
        List<Integer> ranks = new ArrayList<>();
        for (int p = 0; p < worldSize; p++) {
            if (p != rank && (send[p] != null || receive[p] != null)) {
                ranks.add(p);
            }
        }
        return ranks.toString();
    }

    /** Records the group's first failure, closes it, and returns the exception to throw. */
    private ProcessGroupException fail(String message, Throwable cause) {
        if (failure == null) {
            failure = new ProcessGroupException("ProcessGroup rank " + rank + " of " + worldSize + ": " + message,
                    cause);
        }
        close();
        return failure;
    }

    private void checkUsable(String caller) {
        if (failure != null) {
            throw new ProcessGroupException(caller + ": the group failed earlier: " + failure.getMessage(), failure);
        }
        if (closed) {
            throw new IllegalStateException(caller + ": the process group is closed");
        }
    }

    private static void checkFlat(String caller, Tensor data, int offset, int length) {
        Objects.requireNonNull(data, "data");
        if (!data.isContiguous() || data.storageOffset() != 0) {
            throw new IllegalArgumentException(caller + ": the " + Arrays.toString(data.shape()) + " tensor is a view "
                    + "(offset " + data.storageOffset() + ", strides " + Arrays.toString(data.stride()) + "); expected "
                    + "a tensor laid out contiguously from offset 0 (call contiguous() first)");
        }
        checkRange(caller, data.numel(), offset, length);
    }

    private static void checkRange(String caller, int size, int offset, int length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IllegalArgumentException(caller + ": elements [" + offset + ", " + ((long) offset + length)
                    + ") are not inside a buffer of " + size + "; expected 0 <= offset <= offset + length <= " + size);
        }
    }
}
