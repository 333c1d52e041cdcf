; vtspec Bochs harness: a bare-metal program that runs a batch of VT-x VM-entry cases and reports
; each outcome on port 0xE9 (see docs/bochs-backend.md for the protocol and the memory map).
;
; Boot: the BIOS loads this boot sector from the floppy to 0:7C00; it loads the rest of the harness
; (section .hi) with int 13h, switches straight from real mode to 64-bit mode (PAE paging, EFER.LME,
; CR0.PE|PG in one step) and copies .hi to HI_BASE (16 MiB), where it runs. Everything below 16 MiB
; then belongs to the cases. The case blob is read from the ATA disk (ata0-master) with PIO.
;
; The addresses below are passed by conformance/bochs/layout.ts (nasm -D); the defaults let the
; file assemble on its own.

%ifndef HI_BASE
%define HI_BASE       0x1000000
%endif
%ifndef PT_BASE
%define PT_BASE       0x1020000
%endif
%ifndef STACK_TOP
%define STACK_TOP     0x1040000
%endif
%ifndef SCRATCH_VMCS
%define SCRATCH_VMCS  0x1050000
%endif
%ifndef BLOB_ADDR
%define BLOB_ADDR     0x1100000
%endif
%ifndef BLOB_LBA
%define BLOB_LBA      0
%endif
%ifndef CASE_AREA_END
%define CASE_AREA_END 0x1000000
%endif

%define ERR_FIELD     0x4400          ; VM-instruction error (§24.9.1)
%define REASON_FIELD  0x4402          ; exit reason
%define QUAL_FIELD    0x6400          ; exit qualification

; Case record (all fields 64-bit little-endian; conformance/bochs/blob.ts writes it).
%define C_LEN     0
%define C_FLAGS   8                   ; bit 0 launch first (harness guest), bit 1 VMRESUME, bit 2 no current VMCS
%define C_VMXON   16
%define C_VMCS    24
%define C_NZERO   32
%define C_NMEM    40
%define C_NPREP   48
%define C_NFIELDS 56
%define C_DATA    64

; ---------------------------------------------------------------------------------------------
bits 16
section .boot start=0 vstart=0x7C00
boot:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    ; Floppy track 0, head 0, sectors 2.. (int 13h AH=02h; DL = boot drive from the BIOS).
    mov ax, 0x0200 | HI_SECTORS
    mov cx, 0x0002
    xor dh, dh
    mov bx, 0x7E00
    int 0x13
    jc boot_fail
    in al, 0x92                       ; fast A20
    or al, 2
    and al, 0xFE
    out 0x92, al
    mov al, 0xFF                      ; mask both PICs: the harness runs with no interrupts
    out 0x21, al
    out 0xA1, al
    ; Temporary page tables at 0x70000: identity map of the first GiB with 2 MiB pages.
    mov ax, 0x7000
    mov es, ax
    xor di, di
    xor eax, eax
    mov cx, 0x3000 / 4
    rep stosd
    mov dword [es:0x0000], 0x71003
    mov dword [es:0x1000], 0x72003
    mov di, 0x2000
    mov ebx, 0x83
    mov cx, 512
.pd:
    mov [es:di], ebx
    add ebx, 0x200000
    add di, 8
    loop .pd
    lgdt [boot_gdt_desc]
    mov eax, 0x20                     ; CR4.PAE
    mov cr4, eax
    mov eax, 0x70000
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x100                     ; EFER.LME
    wrmsr
    mov eax, 0x80000031               ; PG | NE | ET | PE
    mov cr0, eax
    jmp 0x08:boot64
boot_fail:
    hlt
    jmp boot_fail

bits 64
boot64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsi, 0x7E00
    mov rdi, HI_BASE
    mov rcx, HI_SECTORS * 512 / 8
    rep movsq
    mov rax, HI_BASE
    jmp rax

align 8
boot_gdt:
    dq 0
    dq 0x00AF9A000000FFFF             ; 0x08: 64-bit code
    dq 0x00CF92000000FFFF             ; 0x10: data
boot_gdt_desc:
    dw 23
    dd boot_gdt

    times 510-($-$$) db 0
    dw 0xAA55

; ---------------------------------------------------------------------------------------------
section .hi follows=.boot vstart=HI_BASE
hi_start:
    jmp near start
    ; Fixed entry points: layout.ts gives these addresses to the cases as HOST_RIP.
    times 0x10-($-hi_start) db 0x90
    jmp near vm_exit_main             ; HI_BASE + 0x10
    times 0x20-($-hi_start) db 0x90
    jmp near vm_exit_prep             ; HI_BASE + 0x20

start:
    mov rsp, STACK_TOP
    ; Final page tables above 16 MiB: identity map of 4 GiB with 2 MiB pages (supervisor, RW).
    mov rdi, PT_BASE
    xor eax, eax
    mov ecx, 6 * 512
    rep stosq
    mov qword [PT_BASE], PT_BASE + 0x1000 + 3
    mov rdi, PT_BASE + 0x1000
    mov rax, PT_BASE + 0x2000 + 3
    mov ecx, 4
.pdpt:
    mov [rdi], rax
    add rax, 0x1000
    add rdi, 8
    loop .pdpt
    mov rdi, PT_BASE + 0x2000
    mov rax, 0x83
    mov ecx, 2048
.pde:
    mov [rdi], rax
    add rax, 0x200000
    add rdi, 8
    loop .pde
    mov rax, PT_BASE
    mov cr3, rax
    call build_idt
    call restore_env                  ; GDT, IDT, CR0 = 80000031H, CR4 = 2020H, EFER = D00H
    ; Everything below 16 MiB reads as 0 for the cases, as the model's sparse memory does
    ; (the VGA/ROM hole A0000H-FFFFFH excepted: the backend never gives a case an address there).
    xor eax, eax
    xor edi, edi
    mov ecx, 0xA0000 / 8
    rep stosq
    mov edi, 0x100000
    mov ecx, (CASE_AREA_END - 0x100000) / 8
    rep stosq
    ; Revision identifier into the scratch VMCS (used to make "no current VMCS").
    mov ecx, 0x480
    rdmsr
    and eax, 0x7FFFFFFF
    mov [SCRATCH_VMCS], eax
    mov qword [scratch_ptr], SCRATCH_VMCS
    lea rsi, [rel s_boot]
    call puts
    call read_blob
    mov rax, 0x31424C4253545624       ; '$VTSBLB1'
    cmp [BLOB_ADDR], rax
    jne bad_blob
    cmp qword [BLOB_ADDR + 8], 1
    je capture
    jmp run_cases

bad_blob:
    lea rsi, [rel s_badblob]
    call puts
    jmp shutdown

; --- environment -------------------------------------------------------------------------------
; Reload what a VM exit may have changed (§27.5: GDTR/IDTR limits become FFFFH, selectors and bases
; come from the case's host-state fields, CR0/CR4 may gain bits the case's host fields set).
restore_env:
    lgdt [rel gdt_desc]
    lidt [rel idt_desc]
    pop rdx                           ; return address: CS is reloaded with a far return
    push qword 0x08
    push rdx
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov rax, 0x80000031
    mov cr0, rax
    mov rax, 0x2020
    mov cr4, rax
    mov ecx, 0xC0000080
    mov eax, 0xD00
    xor edx, edx
    wrmsr
    o64 retf

build_idt:
    lea rdi, [rel idt]
    lea rsi, [rel stub_table]
    mov ecx, 32
.gate:
    mov rax, [rsi]
    mov [rdi], ax                     ; offset 15:0
    mov word [rdi + 2], 0x08
    mov word [rdi + 4], 0x8E00        ; present 64-bit interrupt gate, DPL 0, IST 0
    shr rax, 16
    mov [rdi + 6], ax                 ; offset 31:16
    shr rax, 16
    mov [rdi + 8], eax                ; offset 63:32
    mov dword [rdi + 12], 0
    add rdi, 16
    add rsi, 8
    loop .gate
    ret

; --- faults ------------------------------------------------------------------------------------
; Vectors 8, 10-14, 17, 21, 29, 30 push an error code; the others get a 0 so the frame is uniform.
%macro STUB 1
stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
    push qword 0
%endif
    push qword %1
    jmp fault_common
%endmacro
%assign v 0
%rep 32
STUB v
%assign v v+1
%endrep

fault_common:
    pop rax
    mov [fault_vec], rax
    pop rax
    mov [fault_err], rax
    mov ax, 0x10
    mov ds, ax
    mov rsp, [recover_rsp]
    jmp [recover_rip]

; --- case loop ---------------------------------------------------------------------------------
run_cases:
    mov qword [cur_vmxon], -1
    mov qword [cur_ptr], BLOB_ADDR + 32
    mov qword [cur_idx], 0
    mov [recover_rsp], rsp
next_case:
    mov rsp, [recover_rsp]
    mov rax, [cur_idx]
    cmp rax, [BLOB_ADDR + 16]
    jae all_done
    lea rsi, [rel s_case]
    call puts
    mov rax, [cur_idx]
    call puthex
    call newline
    lea rax, [rel case_fault]
    mov [recover_rip], rax
    mov r15, [cur_ptr]
    ; 1. zero the pages the previous case and this one touch
    mov rbx, [r15 + C_NZERO]
    lea rsi, [r15 + C_DATA]
.zero:
    test rbx, rbx
    jz .zeroed
    mov rdi, [rsi]
    mov ecx, 512
    xor eax, eax
    rep stosq
    add rsi, 8
    dec rbx
    jmp .zero
.zeroed:
    ; 2. the case's memory words
    mov rbx, [r15 + C_NMEM]
.mem:
    test rbx, rbx
    jz .memdone
    mov rdi, [rsi]
    mov rax, [rsi + 8]
    mov [rdi], rax
    add rsi, 16
    dec rbx
    jmp .mem
.memdone:
    mov [prep_ptr], rsi
    mov rax, [r15 + C_NPREP]
    shl rax, 4
    add rsi, rax
    mov [fields_ptr], rsi
    ; 3. VMXON at the case's pointer (VMXOFF first when it differs from the current one)
    mov rax, [r15 + C_VMXON]
    cmp rax, [cur_vmxon]
    je .on_ok
    cmp qword [cur_vmxon], -1
    je .do_on
    vmxoff
    mov qword [cur_vmxon], -1
.do_on:
    vmxon [r15 + C_VMXON]
    lea rdi, [rel s_on]
    call check_vmfail
    jc case_done
    mov rax, [r15 + C_VMXON]
    mov [cur_vmxon], rax
.on_ok:
    ; 4. make the case's VMCS current (or make none current)
    test qword [r15 + C_FLAGS], 4
    jz .ptr
    vmptrld [scratch_ptr]
    vmclear [scratch_ptr]
    jmp write_case
.ptr:
    vmclear [r15 + C_VMCS]
    lea rdi, [rel s_clear]
    call check_vmfail
    jc case_done
    vmptrld [r15 + C_VMCS]
    lea rdi, [rel s_ptrld]
    call check_vmfail
    jc case_done
    test qword [r15 + C_FLAGS], 1
    jz write_case
    ; 5. a 'launched' VMCS: VMLAUNCH a harness guest that exits at once, then rewrite every field
    mov rsi, [prep_ptr]
    mov rbx, [r15 + C_NPREP]
    call write_fields
    vmlaunch
    lea rdi, [rel s_prep]
    call check_vmfail
    jmp case_done
prep_continue:
    mov r15, [cur_ptr]
write_case:
    ; 6. every field of the case's image, then the instruction
    mov rsi, [fields_ptr]
    mov rbx, [r15 + C_NFIELDS]
    call write_fields
    mov r15, [cur_ptr]
    test qword [r15 + C_FLAGS], 2
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:
    jc .invalid
    jz .valid
    lea rsi, [rel s_nofail]
    call result
    call newline
    jmp case_done
.invalid:
    lea rsi, [rel s_vi]
    call result
    call newline
    jmp case_done
.valid:
    lea rsi, [rel s_vv]
    call result
    mov edx, ERR_FIELD
    vmread rax, rdx
    call puthex
    call newline
    jmp case_done

case_fault:
    lea rsi, [rel s_fault]
    call result
    mov rax, [fault_vec]
    call puthex
    call space
    mov rax, [fault_err]
    call puthex
    call newline
case_done:
    mov r15, [cur_ptr]
    add r15, [r15 + C_LEN]
    mov [cur_ptr], r15
    inc qword [cur_idx]
    jmp next_case

all_done:
    lea rsi, [rel s_done]
    call puts
    jmp shutdown

; Control comes back here (HOST_RIP) after an entry-failure exit or any exit from a case's guest.
vm_exit_main:
    call restore_env
    mov rsp, [recover_rsp]
    mov edx, REASON_FIELD
    vmread rax, rdx
    bt eax, 31
    jc .failure
    lea rsi, [rel s_entered]
    call result
    call puthex
    call newline
    jmp case_done
.failure:
    lea rsi, [rel s_exit]
    call result
    call puthex
    call space
    mov edx, QUAL_FIELD
    vmread rax, rdx
    call puthex
    call newline
    jmp case_done

; Exit from the harness guest that made the VMCS 'launched'.
vm_exit_prep:
    call restore_env
    mov rsp, [recover_rsp]
    mov edx, REASON_FIELD
    vmread rax, rdx
    bt eax, 31
    jnc prep_continue
    lea rsi, [rel s_prepx]
    call result
    call puthex
    call newline
    jmp case_done

; rdi = tag. After a VMX instruction: CF/ZF clear -> CF clear on return. Otherwise prints
; "@@R idx <tag> I" (VMfailInvalid) or "@@R idx <tag> V err" and returns with CF set.
check_vmfail:
    jc .inv
    jz .val
    clc
    ret
.inv:
    mov rsi, rdi
    call result
    lea rsi, [rel s_inv]
    call puts
    call newline
    stc
    ret
.val:
    mov rsi, rdi
    call result
    lea rsi, [rel s_val]
    call puts
    mov edx, ERR_FIELD
    vmread rax, rdx
    call puthex
    call newline
    stc
    ret

; rsi = (encoding, value) pairs, rbx = count. A failed VMWRITE prints "@@W idx enc err" (err I = VMfailInvalid).
write_fields:
    test rbx, rbx
    jz .done
    mov rdx, [rsi]
    mov rax, [rsi + 8]
    vmwrite rdx, rax
    jbe .fail
.next:
    add rsi, 16
    dec rbx
    jmp write_fields
.fail:
    pushfq
    push rsi
    push rdx
    lea rsi, [rel s_w]
    call puts
    mov rax, [cur_idx]
    call puthex
    call space
    pop rax
    call puthex
    call space
    pop rsi
    popfq
    jc .inv
    mov edx, ERR_FIELD
    vmread rax, rdx
    call puthex
    call newline
    jmp .next
.inv:
    mov al, 'I'
    call putc
    call newline
    jmp .next
.done:
    ret

; --- capture mode: IA32_VMX_* MSRs and CPUID leaves --------------------------------------------
capture:
    mov [recover_rsp], rsp
    lea rax, [rel .gp]
    mov [recover_rip], rax
    mov qword [msr_idx], 0x3A
    call .one
    mov qword [msr_idx], 0x480
.loop:
    cmp qword [msr_idx], 0x494
    jae .cpuid
    call .one
    inc qword [msr_idx]
    jmp .loop
.one:
    mov ecx, [msr_idx]
    rdmsr
    shl rdx, 32
    mov eax, eax
    or rax, rdx
    push rax
    lea rsi, [rel s_msr]
    call puts
    mov rax, [msr_idx]
    call puthex
    call space
    pop rax
    call puthex
    call newline
    ret
.gp:                                  ; RDMSR raised a fault: the MSR is not enumerated
    lea rsi, [rel s_msr]
    call puts
    mov rax, [msr_idx]
    call puthex
    lea rsi, [rel s_gp]
    call puts
    mov rax, [fault_vec]
    call puthex
    call newline
    inc qword [msr_idx]
    jmp .loop
.cpuid:
    mov r12d, 1
    xor r13d, r13d
    call cpuid_line
    mov r12d, 7
    call cpuid_line
    mov r12d, 0x80000001
    call cpuid_line
    mov r12d, 0x80000008
    call cpuid_line
    lea rsi, [rel s_done]
    call puts
    jmp shutdown

; r12 = leaf, r13 = subleaf: "@@Q leaf eax ebx ecx edx"
cpuid_line:
    mov eax, r12d
    mov ecx, r13d
    cpuid
    push rdx
    push rcx
    push rbx
    push rax
    lea rsi, [rel s_cpuid]
    call puts
    mov eax, r12d
    call puthex
    mov r14d, 4
.r:
    call space
    pop rax
    mov eax, eax
    call puthex
    dec r14d
    jnz .r
    call newline
    ret

; --- ATA PIO (ata0-master, LBA28) ----------------------------------------------------------------
read_blob:
    mov dx, 0x3F6
    mov al, 2                         ; nIEN: no IRQ 14
    out dx, al
    mov ebx, BLOB_LBA
    mov rdi, BLOB_ADDR
    mov ecx, 1
    call ata_read
    mov rax, [BLOB_ADDR + 24]         ; total bytes
    add rax, 511
    shr rax, 9
    mov r12, rax                      ; sectors left
    mov ebx, BLOB_LBA
    mov rdi, BLOB_ADDR
.chunk:
    test r12, r12
    jz .done
    mov rcx, r12
    cmp rcx, 256
    jbe .n
    mov ecx, 256
.n:
    sub r12, rcx
    push rcx
    call ata_read
    pop rcx
    add ebx, ecx
    jmp .chunk
.done:
    ret

; ebx = LBA, ecx = sectors (1..256), rdi = destination (advanced)
ata_read:
    call ata_wait_ready
    mov dx, 0x1F6
    mov eax, ebx
    shr eax, 24
    and al, 0x0F
    or al, 0xE0
    out dx, al
    mov dx, 0x1F2
    mov al, cl                        ; 256 -> 0
    out dx, al
    mov dx, 0x1F3
    mov eax, ebx
    out dx, al
    mov dx, 0x1F4
    shr eax, 8
    out dx, al
    mov dx, 0x1F5
    shr eax, 8
    out dx, al
    mov dx, 0x1F7
    mov al, 0x20                      ; READ SECTORS
    out dx, al
    mov r8d, ecx
.sector:
    mov dx, 0x1F7
.poll:
    in al, dx
    test al, 0x80
    jnz .poll
    test al, 0x01
    jnz .error
    test al, 0x08
    jz .poll
    mov dx, 0x1F0
    mov ecx, 256
    rep insw
    dec r8d
    jnz .sector
    ret
.error:
    lea rsi, [rel s_ataerr]
    call puts
    jmp shutdown

ata_wait_ready:
    mov dx, 0x1F7
.w:
    in al, dx
    test al, 0x80
    jnz .w
    ret

; --- output on port E9H ------------------------------------------------------------------------
putc:
    out 0xE9, al
    ret

puts:                                 ; rsi = zero-terminated string
    push rax
.l:
    lodsb
    test al, al
    jz .e
    out 0xE9, al
    jmp .l
.e:
    pop rax
    ret

result:                               ; "@@R idx <rsi> "
    push rax
    push rsi
    lea rsi, [rel s_r]
    call puts
    mov rax, [cur_idx]
    call puthex
    call space
    pop rsi
    call puts
    call space
    pop rax
    ret

puthex:                               ; rax, without leading zeros
    push rax
    push rbx
    push rcx
    push rdx
    mov rdx, rax
    mov ecx, 16
    xor ebx, ebx                      ; 1 once a digit has been printed
.d:
    rol rdx, 4
    mov eax, edx
    and eax, 0xF
    jnz .p
    test ebx, ebx
    jnz .p
    cmp ecx, 1
    jne .s
.p:
    mov ebx, 1
    cmp al, 10
    jb .dig
    add al, 'a' - 10 - '0'
.dig:
    add al, '0'
    out 0xE9, al
.s:
    loop .d
    pop rdx
    pop rcx
    pop rbx
    pop rax
    ret

space:
    push rax
    mov al, ' '
    out 0xE9, al
    pop rax
    ret

newline:
    push rax
    mov al, 10
    out 0xE9, al
    pop rax
    ret

shutdown:                             ; Bochs' shutdown port (shared/bochs.md)
    lea rsi, [rel s_shutdown]
    mov dx, 0x8900
.l:
    lodsb
    test al, al
    jz .h
    out dx, al
    jmp .l
.h:
    cli
    hlt
    jmp .h

; --- data ----------------------------------------------------------------------------------------
align 8
gdt:
    dq 0
    dq 0x00AF9A000000FFFF             ; 0x08: 64-bit code (the baselines' HOST_CS_SELECTOR)
    dq 0x00CF92000000FFFF             ; 0x10: data (HOST_SS/DS/ES/FS/GS_SELECTOR)
    dq 0x00008B000000FFFF, 0          ; 0x18: busy 64-bit TSS (HOST_TR_SELECTOR; never loaded)
gdt_desc:
    dw 39
    dq gdt
align 8
idt_desc:
    dw 32 * 16 - 1
    dq idt
align 8
stub_table:
%assign v 0
%rep 32
    dq stub_ %+ v
%assign v v+1
%endrep

cur_vmxon:   dq -1
cur_ptr:     dq 0
cur_idx:     dq 0
prep_ptr:    dq 0
fields_ptr:  dq 0
recover_rsp: dq 0
recover_rip: dq 0
fault_vec:   dq 0
fault_err:   dq 0
scratch_ptr: dq 0
msr_idx:     dq 0

s_boot:     db '@@BOOT', 10, 0
s_badblob:  db '@@BADBLOB', 10, 0
s_done:     db '@@DONE', 10, 0
s_case:     db '@@C ', 0
s_r:        db '@@R ', 0
s_w:        db '@@W ', 0
s_on:       db 'ON', 0
s_clear:    db 'CL', 0
s_ptrld:    db 'PL', 0
s_prep:     db 'PREP', 0
s_prepx:    db 'PREPX', 0
s_inv:      db 'I', 0
s_val:      db 'V ', 0
s_vi:       db 'VI', 0
s_vv:       db 'VV', 0
s_nofail:   db 'NOFAIL', 0
s_fault:    db 'F', 0
s_entered:  db 'E', 0
s_exit:     db 'X', 0
s_msr:      db '@@M ', 0
s_gp:       db ' GP ', 0
s_cpuid:    db '@@Q ', 0
s_ataerr:   db '@@ATAERR', 10, 0
s_shutdown: db 'Shutdown', 0

align 16
idt:
    times 32 * 16 db 0
hi_end:

HI_SECTORS equ (hi_end - hi_start + 511) / 512
; run.ts checks that the assembled .hi part fits on floppy track 0 (17 sectors).
