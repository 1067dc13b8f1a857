/**
 * IP networks: parsing CIDRs, judging how much of the network one admits, and carving a new VPC into
 * subnets. Pure; Node's own address parser decides what an address is.
 */
import { isIPv4, isIPv6 } from "net";

/** A parsed CIDR block. */
interface Cidr {
    readonly text: string;
    readonly family: 4 | 6;
    readonly address: string;
    readonly prefix: number;
}

/** The broadest IPv4 block this package admits to NFS: a /8 holds a whole private range (10.0.0.0/8). */
const BROADEST_IPV4_PREFIX = 8;

/** Private and shared address space a VPC normally uses (RFC 1918 and RFC 6598). */
const PRIVATE_IPV4_BLOCKS: [string, number][] = [
    ["10.0.0.0", 8],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16],
    ["100.64.0.0", 10],
];

function ipv4ToNumber(ip: string): number {
    return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Parses `address/prefix` (IPv4 or IPv6); undefined for anything else. */
function parseCidr(text: string): Cidr | undefined {
    const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
    if (!match) {
        return undefined;
    }
    const [, address, prefixText] = match;
    const prefix = Number(prefixText);
    const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
    if (family === undefined || prefix > (family === 4 ? 32 : 128) || (prefixText.length > 1 && prefixText.startsWith("0"))) {
        return undefined;
    }
    return { text, family, address, prefix };
}

/** Whether a CIDR admits every address (`0.0.0.0/0`, `::/0`). */
export function admitsWorld(text: string): boolean {
    return parseCidr(text)?.prefix === 0;
}

/** The network address of an IPv4 block, e.g. `10.0.0.0` for `10.0.3.7/16`. */
function ipv4Network(cidr: Cidr): string {
    const size = 2 ** (32 - cidr.prefix);
    const n = ipv4ToNumber(cidr.address);
    return numberToIpv4(n - (n % size));
}

function within(cidr: Cidr, [block, prefix]: [string, number]): boolean {
    return cidr.prefix >= prefix && ipv4Network({ ...cidr, prefix }) === block;
}

/**
 * Why an IPv4 CIDR may not be admitted to the model cache's NFS port, or undefined when it may.
 * Refuses what is not an IPv4 CIDR, host bits (a typo for another block), and anything broader
 * than a /8, `0.0.0.0/0` above all.
 */
export function nfsSourceCidrProblem(text: string): string | undefined {
    const cidr = parseCidr(text);
    if (cidr === undefined) {
        return "not a CIDR";
    }
    if (cidr.prefix === 0) {
        return "it admits every address on the internet to NFS";
    }
    if (cidr.family !== 4) {
        return "not an IPv4 CIDR (the EFS security group rule takes IPv4)";
    }
    if (cidr.prefix < BROADEST_IPV4_PREFIX) {
        return `a /${cidr.prefix} reaches far beyond any VPC`;
    }
    const network = ipv4Network(cidr);
    if (network !== cidr.address) {
        return `host bits are set (the block is ${network}/${cidr.prefix})`;
    }
    return undefined;
}

/** Whether an IPv4 CIDR lies inside private or shared address space. */
export function isPrivateIpv4(text: string): boolean {
    const cidr = parseCidr(text);
    return cidr?.family === 4 && PRIVATE_IPV4_BLOCKS.some((block) => within(cidr, block));
}

/** Subnet CIDRs carved out of a VPC CIDR: large private subnets (pods take VPC addresses), small public ones. */
export interface SubnetLayout {
    privateCidrs: string[];
    publicCidrs: string[];
}

/**
 * Splits `vpcCidr` into four quarters: the first `zones` hold the private subnets, and the last
 * quarter is cut into sixteenths for the public ones. Pure; throws on a CIDR it cannot split.
 */
export function layoutSubnets(vpcCidr: string, zones: number): SubnetLayout {
    const cidr = parseCidr(vpcCidr);
    if (cidr === undefined || cidr.family !== 4 || cidr.prefix < 16 || cidr.prefix > 20) {
        throw new Error(`VPC CIDR ${JSON.stringify(vpcCidr)} must be an IPv4 CIDR from /16 to /20`);
    }
    if (!Number.isInteger(zones) || zones < 2 || zones > 3) {
        throw new Error(`availability zone count ${zones} must be 2 or 3`);
    }
    const { prefix } = cidr;
    const size = 2 ** (32 - prefix);
    const base = ipv4ToNumber(ipv4Network(cidr));
    const quarter = size / 4;
    const sixteenth = quarter / 16;
    return {
        privateCidrs: Array.from({ length: zones }, (_, i) => `${numberToIpv4(base + i * quarter)}/${prefix + 2}`),
        publicCidrs: Array.from({ length: zones }, (_, i) => `${numberToIpv4(base + 3 * quarter + i * sixteenth)}/${prefix + 6}`),
    };
}
