/**
 * The platform's one I/O device, present natively and emulated by the VMM through the I/O bitmaps
 * (ITJ "I/O bitmaps": an IN or OUT to a port whose bit is set exits): a serial-port-like transmitter
 * at 3F8H–3FFH. OUT to 3F8H (data) transmits the low byte; IN from 3FDH (line status) reads 60H
 * (transmitter empty, holding register empty); IN from 3F8H reads the number of bytes transmitted so
 * far (mod 256) — a counter, so that reads depend on earlier writes and the comparison can see
 * them. Other ports of the range read 0 and ignore writes. A wider IN zero-extends the byte.
 */
import type { PortDevice } from '../../cpu/vtx/native/io.js';

export const SERIAL_PORTS = { first: 0x3f8, last: 0x3ff, data: 0x3f8, lineStatus: 0x3fd } as const;

export const isDevicePort = (port: number): boolean => port >= SERIAL_PORTS.first && port <= SERIAL_PORTS.last;

export class SerialDevice implements PortDevice {
  readonly output: number[] = [];

  claims(port: number): boolean {
    return isDevicePort(port);
  }

  in(port: number, _size = 1): bigint {
    if (port === SERIAL_PORTS.lineStatus) return 0x60n;
    if (port === SERIAL_PORTS.data) return BigInt(this.output.length & 0xff);
    return 0n;
  }

  out(port: number, _size: number, value: bigint): void {
    if (port === SERIAL_PORTS.data) this.output.push(Number(value & 0xffn));
  }
}
