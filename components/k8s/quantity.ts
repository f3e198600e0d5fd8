// Kubernetes resource quantities ("500m", "1Gi", "2"), as the API server accepts them.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))((?:[KMGTPE]i)|[numkMGTPE]|(?:[eE][+-]?\d+))?$/;

const SUFFIX_FACTOR: Record<string, number> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

export function isQuantity(value: string): boolean {
    return QUANTITY.test(value);
}

/** The quantity's value in base units (cores, bytes); undefined if it is not a quantity. */
export function quantityValue(value: string): number | undefined {
    const match = QUANTITY.exec(value);
    if (!match) {
        return undefined;
    }
    const [, number, suffix = ""] = match;
    const factor = SUFFIX_FACTOR[suffix] ?? 10 ** Number(suffix.slice(1));
    return Number(number) * factor;
}
