import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';

@Injectable()
class A {
  v = 1;
}
@Injectable()
class B {
  constructor(readonly a: A) {}
}

describe('smoke', () => {
  it('DI works under ESM jest', async () => {
    const m = await Test.createTestingModule({ providers: [A, B] }).compile();
    expect(m.get(B).a.v).toBe(1);
  });
});
